namespace TinyBeauty.Core.Tests;

public class ReadOnlyImageViewTests
{
    [Fact]
    public void GetRow_PaddedStride_ReturnsPixelsOnly()
    {
        var pixels = new byte[3 * 9];
        pixels[18] = 9;
        var view = new ReadOnlyImageView(pixels, 2, 3, PixelLayout.Bgr24, stride: 9);

        var row = view.GetRow(2);

        Assert.Equal(6, row.Length);
        Assert.Equal(9, row[0]);
    }

    [Fact]
    public void Constructor_ShortBuffer_ThrowsNamingPixels()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new ReadOnlyImageView(new byte[7], 2, 1, PixelLayout.Rgba32));

        Assert.Equal("pixels", error.ParamName);
    }

    [Fact]
    public void Constructor_UndefinedLayout_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadOnlyImageView(new byte[16], 1, 1, (PixelLayout)7));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void GetRow_OutOfRange_Throws(int y)
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new ReadOnlyImageView(new byte[3], 1, 1, PixelLayout.Rgb24).GetRow(y));
    }
}
