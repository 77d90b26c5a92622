namespace TinyBeauty.Core.Tests;

public class PixelLayoutExtensionsTests
{
    [Theory]
    [InlineData(PixelLayout.Rgb24, 3)]
    [InlineData(PixelLayout.Bgr24, 3)]
    [InlineData(PixelLayout.Rgba32, 4)]
    public void BytesPerPixel_DefinedLayout_ReturnsSize(PixelLayout layout, int expected)
    {
        Assert.Equal(expected, layout.BytesPerPixel());
    }

    [Fact]
    public void BytesPerPixel_UndefinedLayout_ThrowsNamingLayout()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ((PixelLayout)3).BytesPerPixel());

        Assert.Equal("layout", error.ParamName);
    }
}
