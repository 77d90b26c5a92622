using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Guidance;

/// <summary>
/// The mask-guided noise-prediction loss for fine-tuning on makeup pairs: the squared error between predicted and
/// true noise counts only where the makeup changed the face, and a random crop counts again with extra weight.
/// </summary>
/// <remarks>
/// <para>
/// With e = (predicted - noise)^2 * M, where M is the changed-region mask at latent resolution (see
/// <see cref="LatentMask.Downsample"/>) broadcast over channels, the loss is
/// mean(e) + w * mean(e[crop]), where mean runs over every element (batch, channels, rows, columns), so the
/// loss is not renormalised by the mask's area: a batch with a small region gives a small loss, as the masked MSE it
/// models does.
/// </para>
/// <para>
/// The crop is a window of <see cref="MaskedNoiseLossOptions.CropSize"/> square (clamped to the latent height and
/// width) at a position drawn uniformly from the generator: first the row, then the column. One window is used for the
/// whole batch.
/// </para>
/// </remarks>
public static class MaskedNoiseLoss
{
    /// <summary>Computes the loss.</summary>
    /// <param name="predictedNoise">The noise predictor's output [N, C, h, w].</param>
    /// <param name="noise">The noise that was added, the same shape.</param>
    /// <param name="latentMask">The changed-region mask [N or 1, 1, h, w] with values in [0, 1].</param>
    /// <param name="generator">A CPU generator for the crop position, advanced by two draws.</param>
    /// <param name="options">Crop size and weight; null means 48 and 5.</param>
    /// <returns>A scalar tensor (differentiable with respect to the prediction), owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">A tensor or the generator is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not fit together, or the generator is not on the CPU.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static Tensor Compute(
        Tensor predictedNoise,
        Tensor noise,
        Tensor latentMask,
        Generator generator,
        MaskedNoiseLossOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(predictedNoise);
        ArgumentNullException.ThrowIfNull(noise);
        SeededNoise.ValidateGenerator(generator);
        options ??= new MaskedNoiseLossOptions();
        options.Validate();
        if (!predictedNoise.shape.AsSpan().SequenceEqual(noise.shape))
        {
            throw new ArgumentException(
                $"The noise has shape [{string.Join(", ", noise.shape)}], "
                + $"the prediction [{string.Join(", ", predictedNoise.shape)}].",
                nameof(noise));
        }

        LatentMask.ValidateMaskFor(predictedNoise, latentMask, nameof(latentMask));

        var (top, left, cropHeight, cropWidth) = DrawCrop(predictedNoise.shape, options.CropSize, generator);

        using var scope = NewDisposeScope();
        var difference = predictedNoise - noise.to(predictedNoise.dtype);
        var weighted = difference.square() * latentMask.to(predictedNoise.dtype, predictedNoise.device);
        var crop = weighted.narrow(2, top, cropHeight).narrow(3, left, cropWidth);
        var loss = weighted.mean() + (crop.mean() * options.CropWeight);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Returns the crop window that <see cref="Compute"/> would use for latents of this shape with this generator
    /// state (it advances the generator the same way).
    /// </summary>
    /// <param name="latentShape">The latent shape [N, C, h, w].</param>
    /// <param name="cropSize">The requested side, at least 1.</param>
    /// <param name="generator">A CPU generator, advanced by two draws.</param>
    /// <returns>The top row, left column, height and width of the window.</returns>
    /// <exception cref="ArgumentException">The shape is not 4-dimensional, or the generator is not on the CPU.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The crop size is below 1.</exception>
    public static (long Top, long Left, long Height, long Width) DrawCrop(
        ReadOnlySpan<long> latentShape,
        int cropSize,
        Generator generator)
    {
        SeededNoise.ValidateGenerator(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(cropSize, 1);
        if (latentShape.Length != 4)
        {
            throw new ArgumentException(
                $"Expected a latent shape [N, C, h, w], got [{string.Join(", ", latentShape.ToArray())}].",
                nameof(latentShape));
        }

        var height = Math.Min(cropSize, latentShape[2]);
        var width = Math.Min(cropSize, latentShape[3]);
        using var top = randint(0, latentShape[2] - height + 1, [1], ScalarType.Int64, CPU, generator: generator);
        using var left = randint(0, latentShape[3] - width + 1, [1], ScalarType.Int64, CPU, generator: generator);
        return (top.item<long>(), left.item<long>(), height, width);
    }
}
