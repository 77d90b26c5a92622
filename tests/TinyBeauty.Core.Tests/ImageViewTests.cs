namespace TinyBeauty.Core.Tests;

public class ImageViewTests
{
    [Fact]
    public void Constructor_ZeroStride_UsesPackedRows()
    {
        var view = new ImageView(new byte[5 * 2 * 4], 5, 2, PixelLayout.Rgba32);

        Assert.Equal(20, view.Stride);
        Assert.Equal(5, view.Width);
        Assert.Equal(2, view.Height);
        Assert.Equal(PixelLayout.Rgba32, view.Layout);
    }

    [Fact]
    public void GetRow_PaddedStride_ReturnsPixelsOnly()
    {
        var pixels = new byte[2 * 10 + 6];
        pixels[10] = 42;
        var view = new ImageView(pixels, 2, 3, PixelLayout.Rgb24, stride: 10);

        var row = view.GetRow(1);

        Assert.Equal(6, row.Length);
        Assert.Equal(42, row[0]);
    }

    [Fact]
    public void GetRow_WritesThroughToBuffer()
    {
        var pixels = new byte[2 * 3];
        var view = new ImageView(pixels, 1, 2, PixelLayout.Bgr24);

        view.GetRow(1)[2] = 7;

        Assert.Equal(7, pixels[5]);
    }

    [Fact]
    public void ImplicitConversion_KeepsShapeAndMemory()
    {
        var pixels = new byte[3 * 8 + 4];
        var view = new ImageView(pixels, 1, 4, PixelLayout.Rgba32, stride: 8);

        ReadOnlyImageView readOnly = view;

        Assert.Equal(
            (1, 4, 8, PixelLayout.Rgba32),
            (readOnly.Width, readOnly.Height, readOnly.Stride, readOnly.Layout));
        Assert.True(readOnly.Pixels == view.Pixels);
    }

    [Theory]
    [InlineData(0, 1, "width")]
    [InlineData(1, 0, "height")]
    public void Constructor_EmptySize_ThrowsNamingDimension(int width, int height, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new ImageView(new byte[16], width, height, PixelLayout.Rgb24));

        Assert.Equal(parameter, error.ParamName);
        Assert.Contains("at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_StrideBelowRow_ThrowsWithBothValues()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new ImageView(new byte[100], 4, 2, PixelLayout.Rgb24, stride: 11));

        Assert.Equal("stride", error.ParamName);
        Assert.Contains("12", error.Message, StringComparison.Ordinal);
        Assert.Contains("11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ShortBuffer_ThrowsWithNeededLength()
    {
        // The last row needs no padding: (3 - 1) * 16 + 4 * 3 = 44 bytes.
        _ = new ImageView(new byte[44], 4, 3, PixelLayout.Rgb24, stride: 16);

        var error = Assert.Throws<ArgumentException>(
            () => new ImageView(new byte[43], 4, 3, PixelLayout.Rgb24, stride: 16));

        Assert.Equal("pixels", error.ParamName);
        Assert.Contains("44", error.Message, StringComparison.Ordinal);
        Assert.Contains("43", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void GetRow_OutOfRange_Throws(int y)
    {
        var pixels = new byte[2 * 3];

        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageView(pixels, 1, 2, PixelLayout.Rgb24).GetRow(y));
    }
}
