using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' <c>ControlNetConditioningEmbedding</c>: <c>conv_in</c> and SiLU, then per stage a 3x3 conv and a
/// stride-2 3x3 conv to the next width (each followed by SiLU), then the zero-initialized <c>conv_out</c> to the
/// UNet's first width.
/// </summary>
internal sealed class ControlNetConditioningEmbedding : nn.Module
{
    private readonly Conv2d _convIn;
    private readonly Conv2d[] _blocks;
    private readonly Conv2d _convOut;

    public ControlNetConditioningEmbedding(ControlNetConfig config, Device device)
        : base(nameof(ControlNetConditioningEmbedding))
    {
        var widths = config.ConditioningEmbeddingChannels;
        _convIn = Layers.Conv(config.ConditioningChannels, widths[0], 3, device, padding: 1);
        _blocks = new Conv2d[(widths.Count - 1) * 2];
        for (var stage = 0; stage < widths.Count - 1; stage++)
        {
            _blocks[2 * stage] = Layers.Conv(widths[stage], widths[stage], 3, device, padding: 1);
            _blocks[(2 * stage) + 1] = Layers.Conv(widths[stage], widths[stage + 1], 3, device, stride: 2, padding: 1);
        }

        _convOut = Layers.Zeroed(Layers.Conv(widths[^1], config.UNet.BlockOutChannels[0], 3, device, padding: 1));
        register_module("conv_in", _convIn);
        register_module("blocks", new ModuleList<Conv2d>(_blocks));
        register_module("conv_out", _convOut);
    }

    /// <summary>Encodes the conditioning image [B, channels, H, W] to [B, first UNet width, H / f, W / f].</summary>
    public Tensor Forward(Tensor condition)
    {
        var hidden = nn.functional.silu(_convIn.forward(condition));
        foreach (var block in _blocks)
        {
            hidden = nn.functional.silu(block.forward(hidden));
        }

        return _convOut.forward(hidden);
    }
}
