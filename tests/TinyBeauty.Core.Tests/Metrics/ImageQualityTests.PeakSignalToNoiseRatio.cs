using TinyBeauty.Core.Metrics;

namespace TinyBeauty.Core.Tests.Metrics;

public partial class ImageQualityTests
{
    [Fact]
    public void PeakSignalToNoiseRatio_IdenticalImages_IsPositiveInfinity()
    {
        var pixels = Photo(9, 7, seed: 1);
        var a = new ReadOnlyImageView(pixels, 9, 7, PixelLayout.Rgb24);

        Assert.Equal(double.PositiveInfinity, ImageQuality.PeakSignalToNoiseRatio(a, a));
    }

    [Fact]
    public void PeakSignalToNoiseRatio_ConstantOneLevelDifference_Is20Log10Of255()
    {
        var pixels = Photo(9, 7, seed: 2);
        var shifted = pixels.Select(v => (byte)(v == 255 ? 254 : v + 1)).ToArray();

        var score = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(pixels, 9, 7, PixelLayout.Rgb24),
            new ReadOnlyImageView(shifted, 9, 7, PixelLayout.Rgb24));

        Assert.Equal(20 * Math.Log10(255), score, 12);
        Assert.Equal(48.1308, score, 4);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_OneChannelOffByTen_MatchesHandComputedValue()
    {
        // Two pixels, six channel values; one differs by 10, so MSE = 100 / 6.
        byte[] a = [10, 20, 30, 40, 50, 60];
        byte[] b = [10, 20, 30, 40, 60, 60];

        var score = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(a, 2, 1, PixelLayout.Rgb24),
            new ReadOnlyImageView(b, 2, 1, PixelLayout.Rgb24));

        Assert.Equal(10 * Math.Log10(255.0 * 255.0 * 6 / 100), score, 12);
        Assert.Equal(35.9123, score, 4);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_BlackAgainstWhite_IsZero()
    {
        var black = new byte[4 * 3 * 3];
        var white = Enumerable.Repeat((byte)255, black.Length).ToArray();

        var score = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(black, 4, 3, PixelLayout.Bgr24),
            new ReadOnlyImageView(white, 4, 3, PixelLayout.Bgr24));

        Assert.Equal(0, score, 12);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_AlphaDiffers_IsIgnored()
    {
        byte[] a = [1, 2, 3, 0, 4, 5, 6, 0];
        byte[] b = [1, 2, 3, 255, 4, 5, 6, 9];

        var score = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(a, 2, 1, PixelLayout.Rgba32),
            new ReadOnlyImageView(b, 2, 1, PixelLayout.Rgba32));

        Assert.Equal(double.PositiveInfinity, score);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_PaddedStride_IgnoresPadding()
    {
        // One 1x2 image stored with a 5-byte stride whose padding differs between a and b.
        byte[] a = [10, 10, 10, 0, 0, 20, 20, 20];
        byte[] b = [10, 10, 12, 7, 7, 20, 20, 20];

        var score = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(a, 1, 2, PixelLayout.Rgb24, stride: 5),
            new ReadOnlyImageView(b, 1, 2, PixelLayout.Rgb24, stride: 5));

        Assert.Equal(10 * Math.Log10(255.0 * 255.0 * 6 / 4), score, 12);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_MaskExcludesOnlyDifferingPixel_IsPositiveInfinity()
    {
        byte[] a = [10, 20, 30, 40, 50, 60, 70, 80, 90];
        byte[] b = [10, 20, 30, 99, 0, 1, 70, 80, 90];
        byte[] mask = [255, 0, 1];

        var score = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(a, 3, 1, PixelLayout.Rgb24),
            new ReadOnlyImageView(b, 3, 1, PixelLayout.Rgb24),
            mask);

        Assert.Equal(double.PositiveInfinity, score);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_PartialWeights_WeighSquaredErrorsByMask()
    {
        // Pixel 0 has squared differences 1 + 4 + 25 = 30, pixel 1 has 4 + 4 + 4 = 12.
        // MSE = (255 * 30 + 85 * 12) / (3 * (255 + 85)) = 8.5.
        byte[] a = [100, 100, 100, 50, 50, 50];
        byte[] b = [101, 98, 105, 52, 48, 52];
        byte[] mask = [255, 85];

        var score = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(a, 2, 1, PixelLayout.Rgb24),
            new ReadOnlyImageView(b, 2, 1, PixelLayout.Rgb24),
            mask);

        Assert.Equal(10 * Math.Log10(255.0 * 255.0 / 8.5), score, 12);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_FullMask_EqualsUnmasked()
    {
        var pixels = Photo(13, 9, seed: 3);
        var noisy = AddNoise(pixels, 6, seed: 4);
        var a = new ReadOnlyImageView(pixels, 13, 9, PixelLayout.Rgb24);
        var b = new ReadOnlyImageView(noisy, 13, 9, PixelLayout.Rgb24);
        var mask = Enumerable.Repeat((byte)255, 13 * 9).ToArray();

        Assert.Equal(ImageQuality.PeakSignalToNoiseRatio(a, b), ImageQuality.PeakSignalToNoiseRatio(a, b, mask), 12);
    }

    [Fact]
    public void PeakSignalToNoiseRatio_AllZeroMask_ThrowsNamingMask()
    {
        var pixels = new byte[6];

        var error = Assert.Throws<ArgumentException>(
            () => ImageQuality.PeakSignalToNoiseRatio(View(pixels, 2, 1), View(pixels, 2, 1), new byte[2]));

        Assert.Equal("mask", error.ParamName);
        Assert.Contains("every weight is 0", error.Message, StringComparison.Ordinal);
    }
}
