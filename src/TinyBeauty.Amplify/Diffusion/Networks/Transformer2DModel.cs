using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' <c>Transformer2DModel</c> as SD1.5 uses it: GroupNorm (epsilon 1e-6), 1x1 conv <c>proj_in</c>, one
/// <see cref="BasicTransformerBlock"/> over the H x W tokens, 1x1 conv <c>proj_out</c>, added to the input.
/// </summary>
internal sealed class Transformer2DModel : nn.Module
{
    private const double NormEpsilon = 1e-6;

    private readonly GroupNorm _norm;
    private readonly Conv2d _projectIn;
    private readonly BasicTransformerBlock _block;
    private readonly Conv2d _projectOut;

    public Transformer2DModel(long channels, long heads, long contextDim, long groups, Device device)
        : base(nameof(Transformer2DModel))
    {
        _norm = Layers.GroupNorm(groups, channels, NormEpsilon, device);
        _projectIn = Layers.Conv(channels, channels, 1, device);
        _block = new BasicTransformerBlock(channels, heads, contextDim, device);
        _projectOut = Layers.Conv(channels, channels, 1, device);
        register_module("norm", _norm);
        register_module("proj_in", _projectIn);
        register_module("transformer_blocks", new ModuleList<BasicTransformerBlock>(_block));
        register_module("proj_out", _projectOut);
    }

    /// <summary>Runs the transformer on [B, C, H, W] with the context [B, M, contextDim].</summary>
    public Tensor Forward(Tensor input, Tensor context)
    {
        var (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
        var projected = _projectIn.forward(_norm.forward(input));
        var tokens = projected.permute(0, 2, 3, 1).reshape(batch, height * width, channels);
        tokens = _block.Forward(tokens, context);
        var spatial = tokens.reshape(batch, height, width, channels).permute(0, 3, 1, 2).contiguous();
        return _projectOut.forward(spatial) + input;
    }
}
