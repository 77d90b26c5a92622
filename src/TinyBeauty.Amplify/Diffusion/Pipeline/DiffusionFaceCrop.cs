using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// One face cut out of a photo for <see cref="DiffusionPairGenerator"/>: a square RGB image and its region masks.
/// Disposing it disposes the image.
/// </summary>
public sealed class DiffusionFaceCrop : IDisposable
{
    /// <summary>Creates a crop that owns <paramref name="image"/>.</summary>
    /// <param name="image">The square crop.</param>
    /// <param name="masks">Masks keyed by region (face, lips, brows, eyes, ...): width * height 8-bit weights each,
    /// row by row, 0 outside the region.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The image is not square, or a mask has the wrong length.</exception>
    public DiffusionFaceCrop(Image<Rgb24> image, IReadOnlyDictionary<string, byte[]> masks)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(masks);
        if (image.Width != image.Height)
        {
            throw new ArgumentException($"The crop is {image.Width}x{image.Height}; it must be square.", nameof(image));
        }

        foreach (var (region, mask) in masks)
        {
            if (mask is null || mask.Length != image.Width * image.Height)
            {
                throw new ArgumentException(
                    $"The '{region}' mask must have {image.Width * image.Height} bytes.", nameof(masks));
            }
        }

        Image = image;
        Masks = masks;
    }

    /// <summary>Gets the square crop.</summary>
    public Image<Rgb24> Image { get; }

    /// <summary>Gets the masks keyed by region, at the crop's size.</summary>
    public IReadOnlyDictionary<string, byte[]> Masks { get; }

    /// <summary>Disposes the image.</summary>
    public void Dispose() => Image.Dispose();
}
