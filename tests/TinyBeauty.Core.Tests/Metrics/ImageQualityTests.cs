using TinyBeauty.Core.Metrics;

namespace TinyBeauty.Core.Tests.Metrics;

public partial class ImageQualityTests
{
    [Fact]
    public void PeakSignalToNoiseRatio_DifferentWidths_ThrowsNamingBothSizes()
    {
        var error = Assert.Throws<ArgumentException>(
            () => ImageQuality.PeakSignalToNoiseRatio(
                new ReadOnlyImageView(new byte[12], 2, 2, PixelLayout.Rgb24),
                new ReadOnlyImageView(new byte[18], 3, 2, PixelLayout.Rgb24)));

        Assert.Equal("b", error.ParamName);
        Assert.Contains("2x2 Rgb24", error.Message, StringComparison.Ordinal);
        Assert.Contains("3x2 Rgb24", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StructuralSimilarity_DifferentLayouts_ThrowsNamingBothLayouts()
    {
        var pixels = new byte[16 * 16 * 3];

        var error = Assert.Throws<ArgumentException>(
            () => ImageQuality.StructuralSimilarity(
                new ReadOnlyImageView(pixels, 16, 16, PixelLayout.Rgb24),
                new ReadOnlyImageView(pixels, 16, 16, PixelLayout.Bgr24)));

        Assert.Equal("b", error.ParamName);
        Assert.Contains("Bgr24", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(7)]
    public void PeakSignalToNoiseRatio_MaskOfWrongLength_ThrowsNamingExpectedLength(int length)
    {
        var pixels = new byte[18];

        var error = Assert.Throws<ArgumentException>(
            () => ImageQuality.PeakSignalToNoiseRatio(View(pixels, 3, 2), View(pixels, 3, 2), new byte[length]));

        Assert.Equal("mask", error.ParamName);
        Assert.Contains("6 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"has {length}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StructuralSimilarity_MaskOfWrongLength_ThrowsNamingMask()
    {
        var pixels = new byte[12 * 12 * 3];

        var error = Assert.Throws<ArgumentException>(
            () => ImageQuality.StructuralSimilarity(View(pixels, 12, 12), View(pixels, 12, 12), new byte[12 * 11]));

        Assert.Equal("mask", error.ParamName);
    }

    private static ReadOnlyImageView View(byte[] pixels, int width, int height) =>
        new(pixels, width, height, PixelLayout.Rgb24);

    /// <summary>Returns a packed image of smooth gradients plus seeded noise, so SSIM has some structure.</summary>
    private static byte[] Photo(int width, int height, int seed, int noise = 40)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 3;
                pixels[i] = Clamp(x * 200 / width + random.Next(noise));
                pixels[i + 1] = Clamp(y * 180 / height + random.Next(noise));
                pixels[i + 2] = Clamp((x + y) * 100 / (width + height) + random.Next(noise));
            }
        }

        return pixels;
    }

    /// <summary>Returns a copy of <paramref name="pixels"/> with seeded noise in [-amount, amount] added.</summary>
    private static byte[] AddNoise(byte[] pixels, int amount, int seed)
    {
        var random = new Random(seed);
        var noisy = new byte[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            noisy[i] = Clamp(pixels[i] + random.Next(-amount, amount + 1));
        }

        return noisy;
    }

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);
}
