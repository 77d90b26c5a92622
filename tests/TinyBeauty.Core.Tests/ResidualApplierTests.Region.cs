using TinyBeauty.Core.Tests.TestUtilities;

namespace TinyBeauty.Core.Tests;

public partial class ResidualApplierTests
{
    [Fact]
    public void Apply_HardRegion_EqualsWholePhotoApplyOnTheCrop()
    {
        const int Width = 64, Height = 48, Stride = Width * 3 + 4;
        var region = new ResidualRegion(9, 7, 41, 29);
        var source = TestImages.Pixels(Height, Stride, seed: 12);
        var residual = TestImages.Residual(10, 7, seed: 13);
        var viaRegion = (byte[])source.Clone();
        var viaCrop = (byte[])source.Clone();

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 10, 7),
            new ReadOnlyImageView(source, Width, Height, PixelLayout.Rgb24, Stride),
            new ImageView(viaRegion, Width, Height, PixelLayout.Rgb24, Stride),
            region);
        var offset = region.Y * Stride + region.X * 3;
        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 10, 7),
            new ReadOnlyImageView(source.AsSpan(offset), region.Width, region.Height, PixelLayout.Rgb24, Stride),
            new ImageView(viaCrop.AsSpan(offset), region.Width, region.Height, PixelLayout.Rgb24, Stride));

        AssertSame(viaCrop, viaRegion, "region versus crop");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Apply_Region_CopiesPixelsOutsideUnchanged(int feather)
    {
        const int Width = 40, Height = 30;
        var region = new ResidualRegion(6, 4, 20, 15, feather);
        var source = TestImages.Pixels(Height, Width * 4, seed: 14);
        var destination = new byte[source.Length];
        var residual = TestImages.Residual(8, 8, seed: 15);

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 8, 8),
            new ReadOnlyImageView(source, Width, Height, PixelLayout.Rgba32),
            new ImageView(destination, Width, Height, PixelLayout.Rgba32),
            region,
            2f);

        var changedInside = 0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var inside = x >= region.X && x < region.X + region.Width && y >= region.Y
                    && y < region.Y + region.Height;
                for (var k = 0; k < 4; k++)
                {
                    var i = (y * Width + x) * 4 + k;
                    if (!inside || k == 3)
                    {
                        Assert.Equal(source[i], destination[i]);
                    }
                    else
                    {
                        changedInside += source[i] == destination[i] ? 0 : 1;
                    }
                }
            }
        }

        Assert.True(changedInside > region.Width * region.Height, $"Only {changedInside} values changed inside.");
    }

    [Theory]
    [InlineData(512)]
    [InlineData(0)]
    public void Apply_Feather_RampsWeightAsDocumented(int maxVectorBits)
    {
        const int Width = 30, Height = 20, Feather = 4;
        var region = new ResidualRegion(3, 2, 24, 14, Feather);
        var source = new byte[Width * Height * 3];
        source.AsSpan().Fill(100);
        var residual = new float[3 * 5 * 5];
        residual.AsSpan().Fill(0.5f);
        var destination = new byte[source.Length];
        using var _ = new VectorWidthScope(maxVectorBits);

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 5, 5),
            new ReadOnlyImageView(source, Width, Height, PixelLayout.Rgb24),
            new ImageView(destination, Width, Height, PixelLayout.Rgb24),
            region);

        for (var ry = 0; ry < region.Height; ry++)
        {
            for (var rx = 0; rx < region.Width; rx++)
            {
                var wy = Math.Min(1f, (Math.Min(ry, region.Height - 1 - ry) + 0.5f) / Feather);
                var wx = Math.Min(1f, (Math.Min(rx, region.Width - 1 - rx) + 0.5f) / Feather);
                var t = Math.Clamp(100 / 127.5f - 1f + wy * wx * 0.5f, -1f, 1f);
                var expected = (int)((t / 2f + 0.5f) * 255f);
                var actual = destination[((region.Y + ry) * Width + region.X + rx) * 3];

                // The upsampled constant residual may be off by one float ulp, hence one level of slack.
                Assert.InRange(actual, expected - 1, expected + 1);
            }
        }

        var corner = destination[(region.Y * Width + region.X) * 3];
        var centre = destination[((region.Y + 7) * Width + region.X + 12) * 3];
        Assert.True(corner < centre, $"The feathered corner ({corner}) must change less than the centre ({centre}).");
    }

    [Fact]
    public void Apply_FeatherWiderThanHalfRegion_NeverReachesFullWeight()
    {
        Assert.Equal(0.5f / 3, ResidualRegion.Ramp(0, 4, 3));
        Assert.Equal(1.5f / 3, ResidualRegion.Ramp(1, 4, 3));
        Assert.Equal(1.5f / 3, ResidualRegion.Ramp(2, 4, 3));
        Assert.Equal(1f, ResidualRegion.Ramp(5, 11, 3));
        Assert.Equal(1f, ResidualRegion.Ramp(0, 11, 0));
    }
}
