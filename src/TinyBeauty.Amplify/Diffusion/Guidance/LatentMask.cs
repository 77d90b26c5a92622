using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Guidance;

/// <summary>
/// Masks at latent resolution: downsampling a pixel mask of the changed region, and blending latents so that only
/// the masked region can change.
/// </summary>
/// <remarks>
/// A mask value of 1 marks the region that makeup may change, 0 the region that must keep the input; values between
/// are a soft edge. Masks are [N, 1, h, w] (or [1, 1, h, w], broadcast over the batch) and broadcast over channels.
/// </remarks>
public static class LatentMask
{
    /// <summary>The factor between pixel and latent resolution of the Stable Diffusion 1.5 VAE.</summary>
    public const int LatentScale = 8;

    /// <summary>
    /// Downsamples a pixel mask [N, 1, H, W] to latent resolution [N, 1, H / 8, W / 8] by averaging each 8 x 8 block
    /// (area averaging), so a latent cell partly covered by the region gets the covered fraction. A block that is
    /// entirely 0 stays exactly 0, and one entirely 1 stays exactly 1.
    /// </summary>
    /// <param name="pixelMask">A float mask [N, 1, H, W] with values in [0, 1]; H and W multiples of 8.</param>
    /// <returns>The latent mask, same dtype and device, owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">The mask is null.</exception>
    /// <exception cref="ArgumentException">The mask is not [N, 1, H, W] with H and W multiples of 8, or not
    /// floating point.</exception>
    public static Tensor Downsample(Tensor pixelMask)
    {
        ArgumentNullException.ThrowIfNull(pixelMask);
        var shape = pixelMask.shape;
        if (shape.Length != 4 || shape[1] != 1 || shape[2] % LatentScale != 0 || shape[3] % LatentScale != 0
            || shape[2] == 0 || shape[3] == 0)
        {
            throw new ArgumentException(
                $"Expected a pixel mask [N, 1, H, W] with H and W positive multiples of {LatentScale}, "
                + $"got [{string.Join(", ", shape)}].",
                nameof(pixelMask));
        }

        if (!pixelMask.is_floating_point())
        {
            throw new ArgumentException($"The mask must be floating point, got {pixelMask.dtype}.", nameof(pixelMask));
        }

        return nn.functional.avg_pool2d(pixelMask, LatentScale, LatentScale);
    }

    /// <summary>
    /// Blends latents so that only the masked region comes from <paramref name="latents"/>:
    /// result = reference + mask * (latents - reference), computed with <c>lerp</c>. Where the mask is exactly 0 the
    /// result equals <paramref name="reference"/> bit for bit; where it is exactly 1 it equals
    /// <paramref name="latents"/>.
    /// </summary>
    /// <param name="latents">The generated latents [N, C, h, w].</param>
    /// <param name="reference">The latents to keep outside the mask, the same shape.</param>
    /// <param name="mask">The latent mask [N or 1, 1, h, w] in [0, 1].</param>
    /// <returns>The blend, owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not fit together.</exception>
    public static Tensor Blend(Tensor latents, Tensor reference, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(reference);
        ValidateMaskFor(latents, mask, nameof(mask));
        if (!latents.shape.AsSpan().SequenceEqual(reference.shape))
        {
            throw new ArgumentException(
                $"The reference has shape [{string.Join(", ", reference.shape)}], "
                + $"the latents [{string.Join(", ", latents.shape)}].",
                nameof(reference));
        }

        using var scope = NewDisposeScope();
        var weight = mask.to(latents.dtype, latents.device).expand_as(latents);
        return reference.lerp(latents, weight).MoveToOuterDisposeScope();
    }

    /// <summary>Throws unless <paramref name="mask"/> is [N or 1, 1, h, w] for latents [N, C, h, w].</summary>
    /// <exception cref="ArgumentNullException">The mask is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not fit together.</exception>
    internal static void ValidateMaskFor(Tensor latents, Tensor? mask, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(mask, parameterName);
        var latentShape = latents.shape;
        var maskShape = mask.shape;
        var fits = latentShape.Length == 4 && maskShape.Length == 4
            && (maskShape[0] == 1 || maskShape[0] == latentShape[0])
            && maskShape[1] == 1
            && maskShape[2] == latentShape[2]
            && maskShape[3] == latentShape[3];
        if (!fits)
        {
            throw new ArgumentException(
                $"Expected a mask [N or 1, 1, h, w] for latents [{string.Join(", ", latentShape)}], "
                + $"got [{string.Join(", ", maskShape)}].",
                parameterName);
        }
    }
}
