using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The VAE decoder: <c>conv_in</c>, mid block, up blocks over the reversed widths (layers per block + 1 residual
/// blocks each, all but the last ending in nearest x2 + conv), GroupNorm, SiLU and <c>conv_out</c>.
/// </summary>
internal sealed class VaeDecoder : nn.Module
{
    private readonly Conv2d _convIn;
    private readonly DecoderUpBlock[] _upBlocks;
    private readonly VaeMidBlock _midBlock;
    private readonly GroupNorm _normOut;
    private readonly Conv2d _convOut;

    public VaeDecoder(AutoencoderKLConfig config, Device device)
        : base(nameof(VaeDecoder))
    {
        var reversed = config.BlockOutChannels.Reverse().ToArray();
        _convIn = Layers.Conv(config.LatentChannels, reversed[0], 3, device, padding: 1);
        _midBlock = new VaeMidBlock(reversed[0], config.NormGroups, device);
        _upBlocks = new DecoderUpBlock[reversed.Length];
        var output = reversed[0];
        for (var index = 0; index < reversed.Length; index++)
        {
            var input = output;
            output = reversed[index];
            _upBlocks[index] = new DecoderUpBlock(
                input,
                output,
                config.LayersPerBlock + 1,
                config.NormGroups,
                addUpsample: index < reversed.Length - 1,
                device);
        }

        _normOut = Layers.GroupNorm(config.NormGroups, reversed[^1], AutoencoderKL.NormEpsilon, device);
        _convOut = Layers.Conv(reversed[^1], config.OutChannels, 3, device, padding: 1);

        // diffusers assigns the up-block list before the mid block, which fixes the state_dict() order.
        register_module("conv_in", _convIn);
        register_module("up_blocks", new ModuleList<DecoderUpBlock>(_upBlocks));
        register_module("mid_block", _midBlock);
        register_module("conv_norm_out", _normOut);
        register_module("conv_out", _convOut);
    }

    /// <summary>Decodes [B, latent, h, w] to [B, out, h x f, w x f].</summary>
    public Tensor Forward(Tensor latents)
    {
        var hidden = _midBlock.Forward(_convIn.forward(latents));
        foreach (var block in _upBlocks)
        {
            hidden = block.Forward(hidden);
        }

        return _convOut.forward(nn.functional.silu(_normOut.forward(hidden)));
    }

    /// <summary>diffusers' <c>UpDecoderBlock2D</c>: residual blocks without skips, then maybe an upsampler.</summary>
    private sealed class DecoderUpBlock : nn.Module
    {
        private readonly ResnetBlock2D[] _resnets;
        private readonly Upsample2D? _upsampler;

        public DecoderUpBlock(long input, long output, int layers, long groups, bool addUpsample, Device device)
            : base(nameof(DecoderUpBlock))
        {
            _resnets = new ResnetBlock2D[layers];
            for (var layer = 0; layer < layers; layer++)
            {
                var width = layer == 0 ? input : output;
                _resnets[layer] = new ResnetBlock2D(width, output, null, groups, AutoencoderKL.NormEpsilon, device);
            }

            register_module("resnets", new ModuleList<ResnetBlock2D>(_resnets));
            if (addUpsample)
            {
                _upsampler = new Upsample2D(output, device);
                register_module("upsamplers", new ModuleList<Upsample2D>(_upsampler));
            }
        }

        public Tensor Forward(Tensor input)
        {
            var hidden = input;
            foreach (var resnet in _resnets)
            {
                hidden = resnet.Forward(hidden, null);
            }

            return _upsampler is null ? hidden : _upsampler.Forward(hidden);
        }
    }
}
