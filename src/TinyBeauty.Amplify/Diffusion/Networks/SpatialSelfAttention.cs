using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The VAE mid block's single-head attention over the H x W positions (diffusers' <c>Attention</c> with
/// <c>group_norm</c>, biased <c>to_q</c>/<c>to_k</c>/<c>to_v</c>/<c>to_out.0</c> and a residual connection). Legacy
/// files call the projections <c>query</c>, <c>key</c>, <c>value</c> and <c>proj_attn</c>; see
/// <see cref="AutoencoderKL.LegacyNameMap"/>.
/// </summary>
internal sealed class SpatialSelfAttention : nn.Module
{
    private const double NormEpsilon = 1e-6;

    private readonly GroupNorm _groupNorm;
    private readonly Linear _toQuery;
    private readonly Linear _toKey;
    private readonly Linear _toValue;
    private readonly Linear _toOut;

    public SpatialSelfAttention(long channels, long groups, Device device)
        : base(nameof(SpatialSelfAttention))
    {
        _groupNorm = Layers.GroupNorm(groups, channels, NormEpsilon, device);
        _toQuery = Layers.Linear(channels, channels, device);
        _toKey = Layers.Linear(channels, channels, device);
        _toValue = Layers.Linear(channels, channels, device);
        _toOut = Layers.Linear(channels, channels, device);
        register_module("group_norm", _groupNorm);
        register_module("to_q", _toQuery);
        register_module("to_k", _toKey);
        register_module("to_v", _toValue);
        register_module("to_out", new ModuleList<nn.Module>(_toOut, nn.Dropout(0.0)));
    }

    /// <summary>Attends over the positions of [B, C, H, W] and adds the result to the input.</summary>
    public Tensor Forward(Tensor input)
    {
        var (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
        var tokens = _groupNorm.forward(input).view(batch, channels, height * width).transpose(1, 2);
        var attended = Layers.Attend(_toQuery.forward(tokens), _toKey.forward(tokens), _toValue.forward(tokens), 1);
        var spatial = _toOut.forward(attended).transpose(1, 2).reshape(batch, channels, height, width);
        return spatial + input;
    }
}
