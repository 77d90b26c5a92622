using System.Numerics;
using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Core;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Testing;

namespace TinyBeauty.Amplify.Tests.Rendering;

/// <summary>The repository's astronaut photo with its face mesh, found once per test run.</summary>
internal static class TestFaces
{
    public static readonly string AstronautPath =
        Path.Combine(RepositoryData.Root, "data", "faces", "held-out", "astronaut.png");

    private static readonly Lazy<(byte[] Pixels, int Width, int Height, FaceLandmarks Face)> s_astronaut = new(() =>
    {
        using var image = MakeupImage.Load(AstronautPath);
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        using var mesh = new FaceMesh();
        var view = new ReadOnlyImageView(pixels, image.Width, image.Height, PixelLayout.Rgb24);
        var face = Assert.Single(mesh.Find(view));
        return (pixels, image.Width, image.Height, face);
    });

    public static (byte[] Pixels, int Width, int Height, FaceLandmarks Face) Astronaut => s_astronaut.Value;

    public static byte[] Render(MakeupStyle style)
    {
        var (pixels, width, height, face) = Astronaut;
        var result = new byte[pixels.Length];
        MakeupRenderer.Render(
            new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24),
            face,
            style,
            new ImageView(result, width, height, PixelLayout.Rgb24));
        return result;
    }

    public static byte[] Mask(Action<FaceLandmarks, byte[], int, int> draw)
    {
        var (_, width, height, face) = Astronaut;
        var mask = new byte[width * height];
        draw(face, mask, width, height);
        return mask;
    }

    /// <summary>Mean OKLab colour over pixels whose mask weight is at least the threshold.</summary>
    public static Vector3 MeanLab(byte[] pixels, byte[] mask, byte threshold = 200)
    {
        var sum = Vector3.Zero;
        var count = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] >= threshold)
            {
                sum += OkLab.FromSrgb(pixels[3 * i], pixels[(3 * i) + 1], pixels[(3 * i) + 2]);
                count++;
            }
        }

        Assert.True(count > 0, "the mask selects no pixel");
        return sum / count;
    }
}
