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
    // The projections are typed as plain modules, and to_out is called through its list, so that LoRA injection
    // (LoraAdapter.Inject) can swap a LoraLinear in for any of them.
    private readonly nn.Module<Tensor, Tensor> _toQuery;
    private readonly nn.Module<Tensor, Tensor> _toKey;
    private readonly nn.Module<Tensor, Tensor> _toValue;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _toOut;
    private readonly long _heads;

    public CrossAttention(long queryDim, long contextDim, long heads, Device device)
        : base(nameof(CrossAttention))
    {
        _heads = heads;
        _toQuery = Layers.Linear(queryDim, queryDim, device, bias: false);
        _toKey = Layers.Linear(contextDim, queryDim, device, bias: false);
        _toValue = Layers.Linear(contextDim, queryDim, device, bias: false);
        _toOut = new ModuleList<nn.Module<Tensor, Tensor>>(Layers.Linear(queryDim, queryDim, device), nn.Dropout(0.0));
        register_module("to_q", _toQuery);
        register_module("to_k", _toKey);
        register_module("to_v", _toValue);
        register_module("to_out", _toOut);
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
        return _toOut[0].forward(attended);
    }
}
