namespace TinyBeauty.Core.Tests;

public partial class ResidualApplierTests
{
    [Theory]
    [InlineData(-0.1f)]
    [InlineData(2.01f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Apply_IntensityOutOfRange_ThrowsNamingIntensity(float intensity)
    {
        var pixels = new byte[4 * 4 * 3];
        var residual = new float[3 * 2 * 2];

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 2, 2),
            new ReadOnlyImageView(pixels, 4, 4, PixelLayout.Rgb24),
            new ImageView(pixels, 4, 4, PixelLayout.Rgb24),
            intensity));

        Assert.Equal("intensity", error.ParamName);
        Assert.Contains("[0, 2]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyScalar_ResidualWithFourChannels_Throws()
    {
        var pixels = new byte[4 * 4 * 3];
        var residual = new float[4 * 2 * 2];

        var error = Assert.Throws<ArgumentException>(() => ResidualApplier.ApplyScalar(
            new ReadOnlyPlanarTensorView(residual, 4, 2, 2),
            new ReadOnlyImageView(pixels, 4, 4, PixelLayout.Rgb24),
            new ImageView(pixels, 4, 4, PixelLayout.Rgb24)));

        Assert.Equal("residual", error.ParamName);
        Assert.Contains("has 4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, 4, PixelLayout.Rgb24)]
    [InlineData(4, 4, PixelLayout.Bgr24)]
    public void Apply_DestinationMismatch_ThrowsNamingDestination(int width, int height, PixelLayout layout)
    {
        var source = new byte[4 * 4 * 3];
        var destination = new byte[5 * 4 * 3];
        var residual = new float[3 * 2 * 2];

        var error = Assert.Throws<ArgumentException>(() => ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 2, 2),
            new ReadOnlyImageView(source, 4, 4, PixelLayout.Rgb24),
            new ImageView(destination, width, height, layout)));

        Assert.Equal("destination", error.ParamName);
        Assert.Contains($"{width}x{height} {layout}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 0, 2, 2, 0)]
    [InlineData(0, 0, 0, 2, 0)]
    [InlineData(3, 0, 2, 2, 0)]
    [InlineData(0, 3, 2, 2, 0)]
    [InlineData(0, 0, 2, 2, -1)]
    public void Apply_RegionOutsidePhoto_ThrowsNamingRegion(int x, int y, int width, int height, int feather)
    {
        var pixels = new byte[4 * 4 * 3];
        var residual = new float[3 * 2 * 2];

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 2, 2),
            new ReadOnlyImageView(pixels, 4, 4, PixelLayout.Rgb24),
            new ImageView(pixels, 4, 4, PixelLayout.Rgb24),
            new ResidualRegion(x, y, width, height, feather)));

        Assert.Equal("region", error.ParamName);
        var described = $"X={x}, Y={y}, Width={width}, Height={height}, Feather={feather}";
        Assert.Contains(described, error.Message, StringComparison.Ordinal);
    }
}
