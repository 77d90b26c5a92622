using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// One makeup style for <see cref="DiffusionPairGenerator"/>: a reference image and the face regions it paints.
/// </summary>
/// <remarks>
/// Several references in one run paint several regions of the same face in one pass: each gets its own conditional
/// branch and its region's mask, and the residual synthesis adds their differences from the style-free branch. Their
/// regions are meant not to overlap; where they do, both styles' differences add up.
/// </remarks>
/// <param name="Image">The makeup reference image (any size; it is resized for the image encoder). The caller owns
/// it.</param>
/// <param name="Regions">The mask regions this style paints, whose union (maximum) is its mask; null means
/// <see cref="DiffusionGenerateOptions.MaskRegions"/>. Names are those of the face cropper's masks, such as
/// <c>lips</c>, <c>eyes</c>, <c>eye-region</c>, <c>brows</c>, <c>cheeks</c> and <c>face</c>.</param>
/// <param name="StyleWeight">lambda_m for this style, or null for the synthesis options' value.</param>
public sealed record DiffusionStyleReference(
    Image<Rgb24> Image,
    IReadOnlyList<string>? Regions = null,
    double? StyleWeight = null)
{
    /// <summary>Checks the reference.</summary>
    /// <param name="index">The reference's position, named in messages.</param>
    /// <exception cref="ArgumentException">The image is missing, or the region list is empty or holds an empty
    /// name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The style weight is not finite.</exception>
    internal void Validate(int index)
    {
        if (Image is null)
        {
            throw new ArgumentException($"Style {index} has no reference image.", nameof(Image));
        }

        if (Regions is not null && (Regions.Count == 0 || Regions.Any(string.IsNullOrWhiteSpace)))
        {
            throw new ArgumentException(
                $"Style {index} needs at least one region name, and no empty one (null means the options' regions).",
                nameof(Regions));
        }

        if (StyleWeight is { } weight && !double.IsFinite(weight))
        {
            throw new ArgumentOutOfRangeException(
                nameof(StyleWeight), weight, $"Style {index}'s weight must be finite.");
        }
    }
}
