using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// A down block: diffusers' <c>CrossAttnDownBlock2D</c> (with <c>attentions</c>), <c>DownBlock2D</c> or, without a
/// time embedding, the VAE's <c>DownEncoderBlock2D</c>; an optional <c>downsamplers.0</c> halves the resolution.
/// </summary>
internal sealed class UNetDownBlock : nn.Module
{
    private readonly ResnetBlock2D[] _resnets;
    private readonly Transformer2DModel[]? _attentions;
    private readonly Downsample2D? _downsampler;

    public UNetDownBlock(DownBlockShape shape, Device device)
        : base(nameof(UNetDownBlock))
    {
        _resnets = new ResnetBlock2D[shape.Layers];
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            var input = layer == 0 ? shape.Input : shape.Output;
            _resnets[layer] = new ResnetBlock2D(
                input,
                shape.Output,
                shape.TimeEmbeddingDim,
                shape.Groups,
                shape.Epsilon,
                device);
        }

        if (shape.Heads is { } heads)
        {
            _attentions = new Transformer2DModel[shape.Layers];
            for (var layer = 0; layer < shape.Layers; layer++)
            {
                _attentions[layer] = new Transformer2DModel(
                    shape.Output,
                    heads,
                    shape.ContextDim,
                    shape.Groups,
                    device);
            }

            register_module("attentions", new ModuleList<Transformer2DModel>(_attentions));
        }

        register_module("resnets", new ModuleList<ResnetBlock2D>(_resnets));
        if (shape.DownsamplePadding is { } padding)
        {
            _downsampler = new Downsample2D(shape.Output, padding, device);
            register_module("downsamplers", new ModuleList<Downsample2D>(_downsampler));
        }
    }

    /// <summary>
    /// Runs the block, adding the output of every layer and of the downsampler to <paramref name="skips"/>
    /// (the UNet's skip connections); returns the last of them.
    /// </summary>
    public Tensor Forward(Tensor input, Tensor? timeEmbedding, Tensor? context, List<Tensor>? skips)
    {
        var hidden = input;
        for (var layer = 0; layer < _resnets.Length; layer++)
        {
            hidden = _resnets[layer].Forward(hidden, timeEmbedding);
            if (_attentions is not null)
            {
                hidden = _attentions[layer].Forward(hidden, context!);
            }

            skips?.Add(hidden);
        }

        if (_downsampler is not null)
        {
            hidden = _downsampler.Forward(hidden);
            skips?.Add(hidden);
        }

        return hidden;
    }
}

/// <summary>
/// The sizes of a down block. <c>Heads</c> is null for a block without attention; <c>DownsamplePadding</c> is 1
/// (UNet), 0 (VAE, asymmetric padding) or null (no downsampler); <c>TimeEmbeddingDim</c> is null in the VAE.
/// </summary>
internal sealed record DownBlockShape(
    long Input,
    long Output,
    int Layers,
    long? TimeEmbeddingDim,
    long? Heads,
    long ContextDim,
    long Groups,
    double Epsilon,
    long? DownsamplePadding);
