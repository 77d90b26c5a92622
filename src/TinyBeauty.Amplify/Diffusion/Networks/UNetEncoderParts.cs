using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>The parts that the UNet and the ControlNet build alike from a UNet config.</summary>
internal static class UNetEncoderParts
{
    /// <summary>Builds the down blocks: each but the last ends in a stride-2 downsampler.</summary>
    public static UNetDownBlock[] DownBlocks(UNet2DConditionConfig config, Device device)
    {
        var blocks = new UNetDownBlock[config.BlockOutChannels.Count];
        var output = config.BlockOutChannels[0];
        for (var index = 0; index < blocks.Length; index++)
        {
            var input = output;
            output = config.BlockOutChannels[index];
            var isLast = index == blocks.Length - 1;
            var shape = new DownBlockShape(
                input,
                output,
                config.LayersPerBlock,
                config.TimeEmbeddingDim,
                config.DownBlocks[index] == UNetBlockKind.CrossAttention ? config.AttentionHeads : null,
                config.CrossAttentionDim,
                config.NormGroups,
                config.NormEpsilon,
                isLast ? null : 1);
            blocks[index] = new UNetDownBlock(shape, device);
        }

        return blocks;
    }

    /// <summary>Gets the skip connections of the down path: conv_in, every layer and every downsampler.</summary>
    public static int SkipCount(UNet2DConditionConfig config) =>
        1 + (config.BlockOutChannels.Count * config.LayersPerBlock) + (config.BlockOutChannels.Count - 1);

    /// <summary>Checks a latent batch [B, in, H, W] and its context [B, M, cross-attention width].</summary>
    public static void ValidateInputs(UNet2DConditionConfig config, Tensor sample, Tensor context)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(context);
        var multiple = 1L << (config.BlockOutChannels.Count - 1);
        var shape = sample.shape;
        if (shape.Length != 4 || shape[1] != config.InChannels || shape[2] % multiple != 0 || shape[3] % multiple != 0
            || shape[2] == 0 || shape[3] == 0)
        {
            throw new ArgumentException(
                $"The sample has shape [{string.Join(", ", shape)}]; expected [B, {config.InChannels}, H, W] with H "
                + $"and W positive multiples of {multiple}.",
                nameof(sample));
        }

        var contextShape = context.shape;
        if (contextShape.Length != 3 || contextShape[0] != shape[0] || contextShape[2] != config.CrossAttentionDim)
        {
            throw new ArgumentException(
                $"The encoder hidden states have shape [{string.Join(", ", contextShape)}]; expected "
                + $"[{shape[0]}, tokens, {config.CrossAttentionDim}].",
                nameof(context));
        }
    }
}
