using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' transformer <c>Attention</c>: bias-free <c>to_q</c>/<c>to_k</c>/<c>to_v</c>, multi-head scaled
/// dot-product attention (scale = head width^-0.5) and <c>to_out.0</c> with bias (<c>to_out.1</c> is a parameterless
/// dropout). Keys and values come from the context when one is given (cross-attention), else from the input.
/// </summary>
internal sealed class CrossAttention : nn.Module
{
    private readonly Linear _toQuery;
    private readonly Linear _toKey;
    private readonly Linear _toValue;
    private readonly Linear _toOut;
    private readonly long _heads;

    public CrossAttention(long queryDim, long contextDim, long heads, Device device)
        : base(nameof(CrossAttention))
    {
        _heads = heads;
        _toQuery = Layers.Linear(queryDim, queryDim, device, bias: false);
        _toKey = Layers.Linear(contextDim, queryDim, device, bias: false);
        _toValue = Layers.Linear(contextDim, queryDim, device, bias: false);
        _toOut = Layers.Linear(queryDim, queryDim, device);
        register_module("to_q", _toQuery);
        register_module("to_k", _toKey);
        register_module("to_v", _toValue);
        register_module("to_out", new ModuleList<nn.Module>(_toOut, nn.Dropout(0.0)));
    }

    /// <summary>Attends from [B, N, C] to the context [B, M, contextDim] (or to itself when null).</summary>
    public Tensor Forward(Tensor input, Tensor? context)
    {
        var source = context ?? input;
        var attended = Layers.Attend(
            _toQuery.forward(input),
            _toKey.forward(source),
            _toValue.forward(source),
            _heads);
        return _toOut.forward(attended);
    }
}
