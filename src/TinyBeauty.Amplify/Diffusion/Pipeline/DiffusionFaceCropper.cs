using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// Finds the faces of a photo and cuts each out as a square crop of <paramref name="size"/> pixels with region masks;
/// see <see cref="DiffusionFaceCrops.FromFaceMesh"/>. Returns an empty list when the photo has no face.
/// </summary>
/// <param name="photo">The decoded photo; the cropper must not dispose it.</param>
/// <param name="size">The side of every crop.</param>
/// <returns>The crops, owned by the caller, in a stable order.</returns>
public delegate IReadOnlyList<DiffusionFaceCrop> DiffusionFaceCropper(Image<Rgb24> photo, int size);
