namespace TinyBeauty.Core.Tests;

public class ReadOnlyPlanarTensorViewTests
{
    [Fact]
    public void GetPlane_ReturnsChannelInChwOrder()
    {
        float[] data = [0, 1, 2, 3, 4, 5];
        var view = new ReadOnlyPlanarTensorView(data, 2, 1, 3);

        Assert.Equal([3f, 4f, 5f], view.GetPlane(1).ToArray());
    }

    [Theory]
    [InlineData(0, 1, 1, "channels")]
    [InlineData(1, 0, 1, "height")]
    [InlineData(1, 1, 0, "width")]
    public void Constructor_EmptyDimension_ThrowsNamingIt(int channels, int height, int width, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new ReadOnlyPlanarTensorView(new float[1], channels, height, width));

        Assert.Equal(parameter, error.ParamName);
        Assert.Contains("at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WrongLength_ThrowsNamingData()
    {
        var error = Assert.Throws<ArgumentException>(() => new ReadOnlyPlanarTensorView(new float[5], 3, 1, 2));

        Assert.Equal("data", error.ParamName);
        Assert.Contains("exactly", error.Message, StringComparison.Ordinal);
    }
}
