using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The VAE encoder: <c>conv_in</c>, down blocks (all but the last end in an asymmetric-padding stride-2 conv),
/// mid block, GroupNorm, SiLU and <c>conv_out</c> to twice the latent channels (mean and log-variance).
/// </summary>
internal sealed class VaeEncoder : nn.Module
{
    private readonly Conv2d _convIn;
    private readonly UNetDownBlock[] _downBlocks;
    private readonly VaeMidBlock _midBlock;
    private readonly GroupNorm _normOut;
    private readonly Conv2d _convOut;

    public VaeEncoder(AutoencoderKLConfig config, Device device)
        : base(nameof(VaeEncoder))
    {
        var channels = config.BlockOutChannels;
        _convIn = Layers.Conv(config.InChannels, channels[0], 3, device, padding: 1);
        _downBlocks = new UNetDownBlock[channels.Count];
        var output = channels[0];
        for (var index = 0; index < channels.Count; index++)
        {
            var input = output;
            output = channels[index];
            var shape = new DownBlockShape(
                input,
                output,
                config.LayersPerBlock,
                TimeEmbeddingDim: null,
                Heads: null,
                ContextDim: 0,
                config.NormGroups,
                AutoencoderKL.NormEpsilon,
                index < channels.Count - 1 ? 0 : null);
            _downBlocks[index] = new UNetDownBlock(shape, device);
        }

        _midBlock = new VaeMidBlock(channels[^1], config.NormGroups, device);
        _normOut = Layers.GroupNorm(config.NormGroups, channels[^1], AutoencoderKL.NormEpsilon, device);
        _convOut = Layers.Conv(channels[^1], 2 * config.LatentChannels, 3, device, padding: 1);
        register_module("conv_in", _convIn);
        register_module("down_blocks", new ModuleList<UNetDownBlock>(_downBlocks));
        register_module("mid_block", _midBlock);
        register_module("conv_norm_out", _normOut);
        register_module("conv_out", _convOut);
    }

    /// <summary>Encodes [B, in, H, W] to [B, 2 x latent, H / f, W / f].</summary>
    public Tensor Forward(Tensor image)
    {
        var hidden = _convIn.forward(image);
        foreach (var block in _downBlocks)
        {
            hidden = block.Forward(hidden, null, null, null);
        }

        hidden = _midBlock.Forward(hidden);
        return _convOut.forward(nn.functional.silu(_normOut.forward(hidden)));
    }
}
