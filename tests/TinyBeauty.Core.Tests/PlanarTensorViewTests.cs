namespace TinyBeauty.Core.Tests;

public class PlanarTensorViewTests
{
    [Fact]
    public void GetPlane_ReturnsChannelInChwOrder()
    {
        var data = new float[3 * 2 * 4];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = i;
        }

        var view = new PlanarTensorView(data, 3, 2, 4);

        var plane = view.GetPlane(2);

        Assert.Equal(8, plane.Length);
        Assert.Equal(2 * 8 + 1 * 4 + 3, plane[1 * 4 + 3]);
    }

    [Fact]
    public void ImplicitConversion_KeepsShape()
    {
        var view = new PlanarTensorView(new float[6], 1, 2, 3);

        ReadOnlyPlanarTensorView readOnly = view;

        Assert.Equal((1, 2, 3), (readOnly.Channels, readOnly.Height, readOnly.Width));
        Assert.Equal(3, readOnly.GetPlane(0)[..3].Length);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    public void Constructor_WrongLength_ThrowsWithShapeAndLength(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => new PlanarTensorView(new float[length], 1, 2, 3));

        Assert.Equal("data", error.ParamName);
        Assert.Contains("1x2x3", error.Message, StringComparison.Ordinal);
        Assert.Contains($"has {length}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1, 1, "channels")]
    [InlineData(1, 0, 1, "height")]
    [InlineData(1, 1, 0, "width")]
    public void Constructor_EmptyDimension_ThrowsNamingIt(int channels, int height, int width, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new PlanarTensorView(new float[1], channels, height, width));

        Assert.Equal(parameter, error.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void GetPlane_OutOfRange_Throws(int channel)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlanarTensorView(new float[6], 3, 1, 2).GetPlane(channel));
    }
}
