using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' <c>UNetMidBlock2DCrossAttn</c>: a residual block, a spatial transformer, a residual block, all at the
/// coarsest resolution.
/// </summary>
internal sealed class UNetMidBlock : nn.Module
{
    private readonly ResnetBlock2D _first;
    private readonly Transformer2DModel _attention;
    private readonly ResnetBlock2D _second;

    public UNetMidBlock(UNet2DConditionConfig config, Device device)
        : base(nameof(UNetMidBlock))
    {
        long channels = config.BlockOutChannels[^1];
        _first = new ResnetBlock2D(
            channels,
            channels,
            config.TimeEmbeddingDim,
            config.NormGroups,
            config.NormEpsilon,
            device);
        _attention = new Transformer2DModel(
            channels,
            config.AttentionHeads,
            config.CrossAttentionDim,
            config.NormGroups,
            device);
        _second = new ResnetBlock2D(
            channels,
            channels,
            config.TimeEmbeddingDim,
            config.NormGroups,
            config.NormEpsilon,
            device);
        register_module("attentions", new ModuleList<Transformer2DModel>(_attention));
        register_module("resnets", new ModuleList<ResnetBlock2D>(_first, _second));
    }

    /// <summary>Runs the block on [B, C, H, W].</summary>
    public Tensor Forward(Tensor input, Tensor timeEmbedding, Tensor context)
    {
        var hidden = _first.Forward(input, timeEmbedding);
        hidden = _attention.Forward(hidden, context);
        return _second.Forward(hidden, timeEmbedding);
    }
}
