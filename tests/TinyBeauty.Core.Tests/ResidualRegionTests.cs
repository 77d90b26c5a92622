namespace TinyBeauty.Core.Tests;

public class ResidualRegionTests
{
    [Fact]
    public void Constructor_DefaultFeather_IsZero()
    {
        var region = new ResidualRegion(1, 2, 3, 4);

        Assert.Equal(0, region.Feather);
        Assert.Equal(new ResidualRegion(1, 2, 3, 4, 0), region);
    }

    [Theory]
    [InlineData(0, 10, 4, 0.125f)]
    [InlineData(9, 10, 4, 0.125f)]
    [InlineData(2, 10, 4, 0.625f)]
    [InlineData(4, 10, 4, 1f)]
    [InlineData(3, 10, 0, 1f)]
    public void Ramp_Position_FollowsDocumentedFormula(int index, int length, int feather, float expected)
    {
        Assert.Equal(expected, ResidualRegion.Ramp(index, length, feather));
    }
}
