using System.Numerics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>Face croppers for <see cref="DiffusionPairGenerator"/>.</summary>
public static class DiffusionFaceCrops
{
    /// <summary>
    /// A cropper built on the face mesh: for every face found, an axis-aligned square around its landmarks,
    /// <paramref name="cropScale"/> times their extent, pushed inside the photo where it would cross an edge and
    /// resized; the masks face (the oval), lips, brows and eyes are drawn from the mesh carried into the crop.
    /// </summary>
    /// <param name="mesh">The face mesh; the caller owns and disposes it.</param>
    /// <param name="cropScale">The crop side over the landmarks' extent; at least 1; default 1.5.</param>
    /// <returns>The cropper. It throws <see cref="InvalidDataException"/>, giving the size and the minimum, for a
    /// photo whose shorter side is below <see cref="FaceDetector.MinPhotoSide"/>; the generator reports such a photo
    /// as a problem and goes on.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mesh"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The scale is below 1 or not finite.</exception>
    public static DiffusionFaceCropper FromFaceMesh(FaceMesh mesh, float cropScale = 1.5f)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (!(float.IsFinite(cropScale) && cropScale >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(cropScale), cropScale, "The crop scale must be at least 1.");
        }

        return (photo, size) =>
        {
            ArgumentNullException.ThrowIfNull(photo);
            if (FaceDetector.DescribeTooSmall(photo.Width, photo.Height) is { } tooSmall)
            {
                throw new InvalidDataException(tooSmall);
            }

            var pixels = new byte[photo.Width * photo.Height * 3];
            photo.CopyPixelDataTo(pixels);
            var faces = mesh.Find(new ReadOnlyImageView(pixels, photo.Width, photo.Height, PixelLayout.Rgb24));
            var crops = new List<DiffusionFaceCrop>(faces.Count);
            foreach (var face in faces)
            {
                crops.Add(Crop(photo, face, size, cropScale));
            }

            return crops;
        };
    }

    private static DiffusionFaceCrop Crop(Image<Rgb24> photo, FaceLandmarks face, int size, float cropScale)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var point in face.Points)
        {
            min = Vector2.Min(min, new Vector2(point.X, point.Y));
            max = Vector2.Max(max, new Vector2(point.X, point.Y));
        }

        var centre = (min + max) / 2f;
        var side = Math.Clamp(
            (int)MathF.Round(MathF.Max(max.X - min.X, max.Y - min.Y) * cropScale),
            8,
            Math.Min(photo.Width, photo.Height));
        var left = Math.Clamp((int)MathF.Round(centre.X - (side / 2f)), 0, photo.Width - side);
        var top = Math.Clamp((int)MathF.Round(centre.Y - (side / 2f)), 0, photo.Height - side);
        var image = photo.Clone(context => context
            .Crop(new Rectangle(left, top, side, side))
            .Resize(size, size, KnownResamplers.Triangle));

        var scale = size / (float)side;
        var points = face.Points
            .Select(point => new Vector3((point.X - left) * scale, (point.Y - top) * scale, point.Z * scale))
            .ToArray();
        var cropFace = face with { Points = points };
        var masks = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, region) in new[]
        {
            ("face", FaceRegion.Face),
            ("lips", FaceRegion.Lips),
            ("brows", FaceRegion.Brows),
            ("eyes", FaceRegion.Eyes),
        })
        {
            var mask = new byte[size * size];
            FaceMasks.Draw(region, cropFace, mask, size, size);
            masks.Add(name, mask);
        }

        return new DiffusionFaceCrop(image, masks);
    }
}
