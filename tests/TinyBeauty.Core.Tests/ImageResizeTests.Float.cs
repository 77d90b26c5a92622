using TinyBeauty.Core.Tests.TestUtilities;

namespace TinyBeauty.Core.Tests;

public partial class ImageResizeTests
{
    [Fact]
    public void BilinearFloat_DoubleSize_InterpolatesQuarterAndThreeQuarters()
    {
        float[] source = [0f, 4f];
        var destination = new float[4];

        ImageResize.Bilinear(new ReadOnlyPlanarTensorView(source, 1, 1, 2), new PlanarTensorView(destination, 1, 1, 4));

        // Centres at -0.25 (clamped), 0.25, 0.75 and 1.25 (clamped) source pixels.
        Assert.Equal([0f, 1f, 3f, 4f], destination);
    }

    [Fact]
    public void BilinearFloat_SameSize_CopiesEveryPlane()
    {
        var source = TestImages.Residual(5, 7, seed: 21);
        var destination = new float[source.Length];

        ImageResize.Bilinear(new ReadOnlyPlanarTensorView(source, 3, 5, 7), new PlanarTensorView(destination, 3, 5, 7));

        Assert.Equal(source, destination);
    }

    [Fact]
    public void BilinearFloat_NonSquare_StaysWithinSourceRange()
    {
        var source = TestImages.Residual(4, 9, seed: 22);
        var destination = new float[3 * 13 * 5];

        ImageResize.Bilinear(
            new ReadOnlyPlanarTensorView(source, 3, 4, 9),
            new PlanarTensorView(destination, 3, 13, 5));

        for (var c = 0; c < 3; c++)
        {
            var plane = source.AsSpan(c * 36, 36);
            var (min, max) = (float.MaxValue, float.MinValue);
            foreach (var v in plane)
            {
                (min, max) = (Math.Min(min, v), Math.Max(max, v));
            }

            foreach (var v in destination.AsSpan(c * 65, 65))
            {
                Assert.InRange(v, min - 1e-6f, max + 1e-6f);
            }
        }
    }

    [Fact]
    public void BilinearFloat_ChannelMismatch_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageResize.Bilinear(
            new ReadOnlyPlanarTensorView(new float[3 * 4], 3, 2, 2),
            new PlanarTensorView(new float[1 * 4], 1, 2, 2)));

        Assert.Equal("destination", error.ParamName);
        Assert.Contains("3 channels", error.Message, StringComparison.Ordinal);
    }
}
