using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Core;
using TinyBeauty.Testing;

namespace TinyBeauty.Onnx.Tests.Faces;

/// <summary>An RGB photo held in a packed byte array, for building <see cref="ReadOnlyImageView"/>s.</summary>
internal sealed record FacePhotos(byte[] Pixels, int Width, int Height)
{
    public const string Astronaut = "data/faces/astronaut.png";
    public const string Group = "data/faces/face-api-sample2.jpg";

    public ReadOnlyImageView View => new(Pixels, Width, Height, PixelLayout.Rgb24);

    public static FacePhotos Load(string relativePath)
    {
        using var image = MakeupImage.Load(ReferenceData.Path(relativePath));
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return new FacePhotos(pixels, image.Width, image.Height);
    }

    /// <summary>Loads a photo committed to this repository, given relative to its root.</summary>
    public static FacePhotos LoadFromRepository(string relativePath)
    {
        using var image = MakeupImage.Load(System.IO.Path.Combine(RepositoryData.Root, relativePath));
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return new FacePhotos(pixels, image.Width, image.Height);
    }

    public static FacePhotos Grey(int width, int height) =>
        new(Enumerable.Repeat((byte)128, width * height * 3).ToArray(), width, height);

    /// <summary>Mirrors the photo left to right: a point (x, y) lands at (Width - x, y).</summary>
    public FacePhotos MirrorLeftRight()
    {
        var mirrored = new byte[Pixels.Length];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var source = ((y * Width) + x) * 3;
                var target = ((y * Width) + (Width - 1 - x)) * 3;
                Pixels.AsSpan(source, 3).CopyTo(mirrored.AsSpan(target, 3));
            }
        }

        return new FacePhotos(mirrored, Width, Height);
    }

    /// <summary>
    /// Turns the photo 90 degrees clockwise. A point (x, y) of this photo, in continuous pixel coordinates, lands
    /// at (Height - y, x) in the result.
    /// </summary>
    public FacePhotos RotateClockwise()
    {
        var rotated = new byte[Pixels.Length];
        var newWidth = Height;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var target = ((x * newWidth) + (Height - 1 - y)) * 3;
                Pixels.AsSpan(((y * Width) + x) * 3, 3).CopyTo(rotated.AsSpan(target, 3));
            }
        }

        return new FacePhotos(rotated, newWidth, Width);
    }
}
