using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Onnx.Tests.Faces;

public sealed class FaceBoxMakeupRegionTests
{
    [Fact]
    public void ToMakeupRegion_FaceInTheMiddle_IsCentredSquareTwiceTheBox()
    {
        var region = new FaceBox(200, 100, 100, 80).ToMakeupRegion(800, 600);

        Assert.Equal(new ResidualRegion(150, 40, 200, 200, Feather: 25), region);
    }

    [Fact]
    public void ToMakeupRegion_FaceAtTheCorner_IsMovedInsideThePhoto()
    {
        var region = new FaceBox(-10, -20, 60, 60).ToMakeupRegion(400, 300);

        Assert.Equal((0, 0, 120, 120), (region.X, region.Y, region.Width, region.Height));
    }

    [Fact]
    public void ToMakeupRegion_FaceLargerThanThePhoto_ShrinksToTheShorterSide()
    {
        var region = new FaceBox(10, 10, 300, 300).ToMakeupRegion(400, 250);

        Assert.Equal(250, region.Width);
        Assert.Equal(250, region.Height);
        Assert.InRange(region.X, 0, 150);
        Assert.Equal(0, region.Y);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    public void ToMakeupRegion_BadScale_Throws(float scale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceBox(0, 0, 10, 10).ToMakeupRegion(100, 100, scale));
    }
}
