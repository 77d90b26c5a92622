namespace TinyBeauty.Amplify.Diffusion.Guidance;

/// <summary>Settings of <see cref="MaskedNoiseLoss"/>.</summary>
public sealed record MaskedNoiseLossOptions
{
    /// <summary>
    /// Gets the side of the square latent crop that gets the extra loss, at least 1; default 48 (384 pixels). A crop
    /// larger than the latents is clamped to their height and width.
    /// </summary>
    public int CropSize { get; init; } = 48;

    /// <summary>Gets the weight of the crop loss, finite and at least 0; default 5.</summary>
    public double CropWeight { get; init; } = 5.0;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(CropSize, 1, nameof(CropSize));
        if (!(double.IsFinite(CropWeight) && CropWeight >= 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(CropWeight), CropWeight, "The crop weight must be finite and at least 0.");
        }
    }
}
