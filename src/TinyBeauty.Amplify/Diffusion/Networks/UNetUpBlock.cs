using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// A UNet up block: diffusers' <c>CrossAttnUpBlock2D</c> (with <c>attentions</c>) or <c>UpBlock2D</c>. Every layer
/// concatenates the latest skip connection to its input along the channels; an optional <c>upsamplers.0</c>
/// doubles the resolution.
/// </summary>
internal sealed class UNetUpBlock : nn.Module
{
    private readonly ResnetBlock2D[] _resnets;
    private readonly Transformer2DModel[]? _attentions;
    private readonly Upsample2D? _upsampler;

    /// <summary>
    /// Builds the block: <paramref name="input"/> is the width of the skip that the last layer reads (diffusers'
    /// <c>in_channels</c>), <paramref name="previousOutput"/> the width arriving from the block below and
    /// <paramref name="output"/> this block's width; <paramref name="heads"/> is null for a block without attention.
    /// </summary>
    public UNetUpBlock(
        long input,
        long previousOutput,
        long output,
        int layers,
        long timeEmbeddingDim,
        long? heads,
        long contextDim,
        long groups,
        double epsilon,
        bool addUpsample,
        Device device)
        : base(nameof(UNetUpBlock))
    {
        _resnets = new ResnetBlock2D[layers];
        for (var layer = 0; layer < layers; layer++)
        {
            var skipChannels = layer == layers - 1 ? input : output;
            var hiddenChannels = layer == 0 ? previousOutput : output;
            _resnets[layer] = new ResnetBlock2D(
                hiddenChannels + skipChannels,
                output,
                timeEmbeddingDim,
                groups,
                epsilon,
                device);
        }

        if (heads is { } headCount)
        {
            _attentions = new Transformer2DModel[layers];
            for (var layer = 0; layer < layers; layer++)
            {
                _attentions[layer] = new Transformer2DModel(output, headCount, contextDim, groups, device);
            }

            register_module("attentions", new ModuleList<Transformer2DModel>(_attentions));
        }

        register_module("resnets", new ModuleList<ResnetBlock2D>(_resnets));
        if (addUpsample)
        {
            _upsampler = new Upsample2D(output, device);
            register_module("upsamplers", new ModuleList<Upsample2D>(_upsampler));
        }
    }

    /// <summary>Gets how many skip connections the block consumes.</summary>
    public int Layers => _resnets.Length;

    /// <summary>Runs the block, taking its skip connections from the end of <paramref name="skips"/>.</summary>
    public Tensor Forward(Tensor input, List<Tensor> skips, Tensor timeEmbedding, Tensor context)
    {
        var hidden = input;
        for (var layer = 0; layer < _resnets.Length; layer++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            hidden = _resnets[layer].Forward(cat([hidden, skip], 1), timeEmbedding);
            if (_attentions is not null)
            {
                hidden = _attentions[layer].Forward(hidden, context);
            }
        }

        return _upsampler is null ? hidden : _upsampler.Forward(hidden);
    }
}
