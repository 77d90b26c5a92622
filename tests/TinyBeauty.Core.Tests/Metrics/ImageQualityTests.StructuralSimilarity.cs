using TinyBeauty.Core.Metrics;

namespace TinyBeauty.Core.Tests.Metrics;

public partial class ImageQualityTests
{
    [Fact]
    public void StructuralSimilarity_IdenticalImages_IsExactlyOne()
    {
        var pixels = Photo(24, 17, seed: 5);
        var a = new ReadOnlyImageView(pixels, 24, 17, PixelLayout.Rgb24);

        Assert.Equal(1.0, ImageQuality.StructuralSimilarity(a, a));
    }

    [Fact]
    public void StructuralSimilarity_ImageAgainstItsInverse_IsNegative()
    {
        var pixels = Photo(32, 32, seed: 6);
        var inverse = pixels.Select(v => (byte)(255 - v)).ToArray();

        var score = ImageQuality.StructuralSimilarity(
            new ReadOnlyImageView(pixels, 32, 32, PixelLayout.Rgb24),
            new ReadOnlyImageView(inverse, 32, 32, PixelLayout.Rgb24));

        Assert.InRange(score, -1.0, -0.1);
    }

    [Fact]
    public void StructuralSimilarity_FlatGreysOfDifferentLevel_IsTheLuminanceTermAlone()
    {
        // Flat images have zero variance, so SSIM = (2 * 100 * 110 + C1) / (100^2 + 110^2 + C1) everywhere.
        var dark = Enumerable.Repeat((byte)100, 12 * 11 * 3).ToArray();
        var light = Enumerable.Repeat((byte)110, 12 * 11 * 3).ToArray();
        var c1 = 0.01 * 255 * 0.01 * 255;

        var score = ImageQuality.StructuralSimilarity(
            new ReadOnlyImageView(dark, 12, 11, PixelLayout.Rgb24),
            new ReadOnlyImageView(light, 12, 11, PixelLayout.Rgb24));

        Assert.Equal((2 * 100 * 110 + c1) / (100 * 100 + 110 * 110 + c1), score, 9);
    }

    [Theory]
    [InlineData(11, 11, 2)]
    [InlineData(16, 13, 8)]
    [InlineData(37, 29, 20)]
    public void StructuralSimilarity_NoisyCopy_MatchesDirectReference(int width, int height, int noise)
    {
        var pixels = Photo(width, height, seed: width);
        var noisy = AddNoise(pixels, noise, seed: height);

        var score = ImageQuality.StructuralSimilarity(
            new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24),
            new ReadOnlyImageView(noisy, width, height, PixelLayout.Rgb24));

        Assert.Equal(ReferenceSsim(pixels, noisy, width, height, mask: null), score, 10);
        Assert.InRange(score, 0.05, 0.999);
    }

    [Fact]
    public void StructuralSimilarity_SwappedArguments_GivesTheSameScore()
    {
        var pixels = Photo(19, 16, seed: 16);
        var noisy = AddNoise(pixels, 25, seed: 17);
        var a = new ReadOnlyImageView(pixels, 19, 16, PixelLayout.Rgb24);
        var b = new ReadOnlyImageView(noisy, 19, 16, PixelLayout.Rgb24);

        Assert.Equal(ImageQuality.StructuralSimilarity(a, b), ImageQuality.StructuralSimilarity(b, a), 14);
    }

    [Fact]
    public void StructuralSimilarity_BgrAndPaddedRgba_ScoreLikeRgb()
    {
        const int width = 15, height = 12;
        var pixels = Photo(width, height, seed: 7);
        var noisy = AddNoise(pixels, 10, seed: 8);
        var expected = ImageQuality.StructuralSimilarity(
            new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24),
            new ReadOnlyImageView(noisy, width, height, PixelLayout.Rgb24));

        var bgr = ImageQuality.StructuralSimilarity(
            new ReadOnlyImageView(SwapRedBlue(pixels), width, height, PixelLayout.Bgr24),
            new ReadOnlyImageView(SwapRedBlue(noisy), width, height, PixelLayout.Bgr24));
        var stride = 4 * width + 3;
        var rgba = ImageQuality.StructuralSimilarity(
            new ReadOnlyImageView(ToPaddedRgba(pixels, width, height, 3), width, height, PixelLayout.Rgba32, stride),
            new ReadOnlyImageView(ToPaddedRgba(noisy, width, height, 200), width, height, PixelLayout.Rgba32, stride));

        Assert.Equal(expected, bgr, 14);
        Assert.Equal(expected, rgba, 14);
    }

    [Fact]
    public void StructuralSimilarity_MaskExcludesOnlyDifferingPixels_IsExactlyOne()
    {
        const int width = 20, height = 18;
        var pixels = Photo(width, height, seed: 9);
        var changed = (byte[])pixels.Clone();
        var mask = Enumerable.Repeat((byte)255, width * height).ToArray();
        foreach (var (x, y) in new[] { (9, 9), (10, 9), (4, 14) })
        {
            changed[(y * width + x) * 3] ^= 0xFF;
            mask[y * width + x] = 0;
        }

        var a = new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24);
        var b = new ReadOnlyImageView(changed, width, height, PixelLayout.Rgb24);

        Assert.True(ImageQuality.StructuralSimilarity(a, b) < 0.99);
        Assert.Equal(1.0, ImageQuality.StructuralSimilarity(a, b, mask));
    }

    [Fact]
    public void StructuralSimilarity_GradedMask_MatchesDirectReference()
    {
        const int width = 23, height = 19;
        var pixels = Photo(width, height, seed: 10);
        var noisy = AddNoise(pixels, 15, seed: 11);
        var random = new Random(12);
        var mask = new byte[width * height];
        for (var i = 0; i < mask.Length; i++)
        {
            // A third of the pixels excluded, the rest weighted anywhere from 1 to 255.
            mask[i] = random.Next(3) == 0 ? (byte)0 : (byte)random.Next(1, 256);
        }

        var score = ImageQuality.StructuralSimilarity(
            new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24),
            new ReadOnlyImageView(noisy, width, height, PixelLayout.Rgb24),
            mask);

        Assert.Equal(ReferenceSsim(pixels, noisy, width, height, mask), score, 10);
    }

    [Fact]
    public void StructuralSimilarity_FullMask_EqualsUnmasked()
    {
        const int width = 21, height = 14;
        var pixels = Photo(width, height, seed: 13);
        var noisy = AddNoise(pixels, 12, seed: 14);
        var a = new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24);
        var b = new ReadOnlyImageView(noisy, width, height, PixelLayout.Rgb24);
        var mask = Enumerable.Repeat((byte)255, width * height).ToArray();

        Assert.Equal(ImageQuality.StructuralSimilarity(a, b), ImageQuality.StructuralSimilarity(a, b, mask), 12);
    }

    [Theory]
    [InlineData(10, 11)]
    [InlineData(11, 10)]
    [InlineData(1, 1)]
    public void StructuralSimilarity_SmallerThanWindow_ThrowsNamingSize(int width, int height)
    {
        var pixels = new byte[width * height * 3];

        var error = Assert.Throws<ArgumentException>(
            () => ImageQuality.StructuralSimilarity(View(pixels, width, height), View(pixels, width, height)));

        Assert.Equal("a", error.ParamName);
        Assert.Contains($"{width}x{height}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StructuralSimilarity_MaskOnlyNearBorder_ThrowsNamingMask()
    {
        // Only the outermost 5-pixel ring is selected: no window centre carries weight.
        const int width = 14, height = 12;
        var pixels = Photo(width, height, seed: 15);
        var mask = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var inner = x >= 5 && x < width - 5 && y >= 5 && y < height - 5;
                mask[y * width + x] = inner ? (byte)0 : (byte)255;
            }
        }

        var error = Assert.Throws<ArgumentException>(
            () => ImageQuality.StructuralSimilarity(View(pixels, width, height), View(pixels, width, height), mask));

        Assert.Equal("mask", error.ParamName);
    }

    /// <summary>
    /// A deliberately plain SSIM: for each centre, an explicit 11x11 loop with 2-D Gaussian weights times the mask,
    /// two-pass means and (co)variances, then the centre-mask-weighted mean. Written from Wang et al. (2004).
    /// </summary>
    private static double ReferenceSsim(byte[] a, byte[] b, int width, int height, byte[]? mask)
    {
        var c1 = Math.Pow(0.01 * 255, 2);
        var c2 = Math.Pow(0.03 * 255, 2);
        var total = 0.0;
        var totalWeight = 0.0;
        for (var cy = 5; cy < height - 5; cy++)
        {
            for (var cx = 5; cx < width - 5; cx++)
            {
                double centre = mask is null ? 1 : mask[cy * width + cx];
                if (centre == 0)
                {
                    continue;
                }

                double sw = 0, sa = 0, sb = 0;
                for (var dy = -5; dy <= 5; dy++)
                {
                    for (var dx = -5; dx <= 5; dx++)
                    {
                        var w = Weight(dx, dy, cx, cy);
                        sw += w;
                        sa += w * LumaAt(a, cx + dx, cy + dy);
                        sb += w * LumaAt(b, cx + dx, cy + dy);
                    }
                }

                var ma = sa / sw;
                var mb = sb / sw;
                double va = 0, vb = 0, cab = 0;
                for (var dy = -5; dy <= 5; dy++)
                {
                    for (var dx = -5; dx <= 5; dx++)
                    {
                        var w = Weight(dx, dy, cx, cy) / sw;
                        var da = LumaAt(a, cx + dx, cy + dy) - ma;
                        var db = LumaAt(b, cx + dx, cy + dy) - mb;
                        va += w * da * da;
                        vb += w * db * db;
                        cab += w * da * db;
                    }
                }

                var ssim = (2 * ma * mb + c1) * (2 * cab + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
                total += centre * ssim;
                totalWeight += centre;
            }
        }

        return total / totalWeight;

        double Weight(int dx, int dy, int cx, int cy)
        {
            var gaussian = Math.Exp(-(dx * dx + dy * dy) / (2 * 1.5 * 1.5));
            return mask is null ? gaussian : gaussian * mask[(cy + dy) * width + cx + dx];
        }

        double LumaAt(byte[] pixels, int x, int y)
        {
            var i = (y * width + x) * 3;
            return 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
        }
    }

    private static byte[] SwapRedBlue(byte[] rgb)
    {
        var bgr = (byte[])rgb.Clone();
        for (var i = 0; i < bgr.Length; i += 3)
        {
            (bgr[i], bgr[i + 2]) = (bgr[i + 2], bgr[i]);
        }

        return bgr;
    }

    private static byte[] ToPaddedRgba(byte[] rgb, int width, int height, byte filler)
    {
        var stride = 4 * width + 3;
        var rgba = Enumerable.Repeat(filler, stride * height).ToArray();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var source = (y * width + x) * 3;
                var target = y * stride + x * 4;
                rgba[target] = rgb[source];
                rgba[target + 1] = rgb[source + 1];
                rgba[target + 2] = rgb[source + 2];
            }
        }

        return rgba;
    }
}
