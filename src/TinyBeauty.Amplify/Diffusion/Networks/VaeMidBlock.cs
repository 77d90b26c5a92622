using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>diffusers' <c>UNetMidBlock2D</c> as the VAE uses it: residual block, attention, residual block.</summary>
internal sealed class VaeMidBlock : nn.Module
{
    private readonly ResnetBlock2D _first;
    private readonly SpatialSelfAttention _attention;
    private readonly ResnetBlock2D _second;

    public VaeMidBlock(long channels, long groups, Device device)
        : base(nameof(VaeMidBlock))
    {
        _first = new ResnetBlock2D(channels, channels, null, groups, AutoencoderKL.NormEpsilon, device);
        _attention = new SpatialSelfAttention(channels, groups, device);
        _second = new ResnetBlock2D(channels, channels, null, groups, AutoencoderKL.NormEpsilon, device);
        register_module("attentions", new ModuleList<SpatialSelfAttention>(_attention));
        register_module("resnets", new ModuleList<ResnetBlock2D>(_first, _second));
    }

    /// <summary>Runs the block on [B, C, H, W].</summary>
    public Tensor Forward(Tensor input) =>
        _second.Forward(_attention.Forward(_first.Forward(input, null)), null);
}
