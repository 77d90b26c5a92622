namespace TinyBeauty.Core.Tests;

public partial class ImageResizeTests
{
    [Theory]
    [InlineData(2, 2, 1)]
    [InlineData(4, 4, 3)]
    [InlineData(6, 2, 3)]
    [InlineData(8, 4, 4)]
    [InlineData(4, 6, 4)]
    public void Bilinear_EvenWholeReduction_ShortcutEqualsGeneralPath(int factorX, int factorY, int channels)
    {
        const int DestinationWidth = 37, DestinationHeight = 23;
        var sourceWidth = DestinationWidth * factorX;
        var sourceHeight = DestinationHeight * factorY;
        var sourceStride = sourceWidth * channels + 5;
        var source = RandomBytes(sourceHeight * sourceStride, seed: factorX * 10 + factorY);

        var shortcut = Resize(useBlockAverage: true);
        var general = Resize(useBlockAverage: false);

        Assert.Equal(general, shortcut);

        byte[] Resize(bool useBlockAverage)
        {
            var destination = new byte[DestinationHeight * DestinationWidth * channels];
            ImageResize.UseBlockAverage = useBlockAverage;
            try
            {
                ImageResize.Bilinear(
                    source, sourceWidth, sourceHeight, sourceStride,
                    destination, DestinationWidth, DestinationHeight, DestinationWidth * channels, channels);
            }
            finally
            {
                ImageResize.UseBlockAverage = true;
            }

            return destination;
        }
    }
}
