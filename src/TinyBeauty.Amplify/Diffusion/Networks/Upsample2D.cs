using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>diffusers' <c>Upsample2D</c> with a convolution: nearest-neighbour x2, then <c>conv</c> (3x3).</summary>
internal sealed class Upsample2D : nn.Module
{
    private readonly Conv2d _conv;

    public Upsample2D(long channels, Device device)
        : base(nameof(Upsample2D))
    {
        _conv = Layers.Conv(channels, channels, 3, device, padding: 1);
        register_module("conv", _conv);
    }

    /// <summary>Doubles the resolution of [B, C, H, W].</summary>
    public Tensor Forward(Tensor input)
    {
        var enlarged = nn.functional.interpolate(input, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return _conv.forward(enlarged);
    }
}
