using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

/// <summary>Writes tiny synthetic pair folders and face photos as PNGs.</summary>
internal static class SeedPairs
{
    /// <summary>
    /// Writes <paramref name="count"/> pairs: a smooth face-like gradient before, the same with red lips after, and
    /// lips and face masks (pairs listed in <paramref name="withoutMasks"/> get no mask).
    /// </summary>
    public static void Write(string folder, int count, int size, params string[] withoutMasks)
    {
        foreach (var sub in new[] { "before", "after", "masks" })
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
        }

        for (var index = 0; index < count; index++)
        {
            var name = $"seed{index}";
            using var before = Photo(size, index);
            using var after = before.Clone();
            var lips = new byte[size * size];
            var face = new byte[size * size];
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var dx = (x - (size / 2.0)) / size;
                    var dy = (y - (size * 0.7)) / size;
                    if ((dx * dx / 0.04) + (dy * dy / 0.006) < 1)
                    {
                        lips[(y * size) + x] = 255;
                        after[x, y] = new Rgb24(200, 30, 60);
                    }

                    var fy = (y - (size / 2.0)) / size;
                    face[(y * size) + x] = (byte)((dx * dx) + (fy * fy) < 0.16 ? 255 : 0);
                }
            }

            before.SaveAsPng(Path.Combine(folder, "before", name + ".png"));
            after.SaveAsPng(Path.Combine(folder, "after", name + ".png"));
            if (withoutMasks.Contains(name))
            {
                continue;
            }

            using (var mask = Image.LoadPixelData<L8>(lips, size, size))
            {
                mask.SaveAsPng(Path.Combine(folder, "masks", $"{name}-lips.png"));
            }

            using (var mask = Image.LoadPixelData<L8>(face, size, size))
            {
                mask.SaveAsPng(Path.Combine(folder, "masks", $"{name}-face.png"));
            }
        }
    }

    /// <summary>A smooth, seeded, face-coloured picture.</summary>
    public static Image<Rgb24> Photo(int size, int variant)
    {
        var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var shade = (x * 3) + (y * 2) + (variant * 17);
                image[x, y] = new Rgb24((byte)(150 + (shade % 80)), (byte)(110 + (shade % 60)), (byte)(90 + (y % 40)));
            }
        }

        return image;
    }
}
