using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' <c>Downsample2D</c> with a convolution (<c>conv</c>, 3x3, stride 2). With padding 1 (the UNet) the
/// convolution pads every side; with padding 0 (the VAE encoder) the input is first zero-padded by one pixel on the
/// right and bottom only.
/// </summary>
internal sealed class Downsample2D : nn.Module
{
    private readonly Conv2d _conv;
    private readonly bool _padRightAndBottom;

    public Downsample2D(long channels, long padding, Device device)
        : base(nameof(Downsample2D))
    {
        _padRightAndBottom = padding == 0;
        _conv = Layers.Conv(channels, channels, 3, device, stride: 2, padding: padding);
        register_module("conv", _conv);
    }

    /// <summary>Halves the resolution of [B, C, H, W].</summary>
    public Tensor Forward(Tensor input)
    {
        var padded = _padRightAndBottom ? nn.functional.pad(input, [0, 1, 0, 1]) : input;
        return _conv.forward(padded);
    }
}
