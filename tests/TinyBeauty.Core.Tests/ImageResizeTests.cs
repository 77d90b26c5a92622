using TinyBeauty.Core.Tests.TestUtilities;
using TinyBeauty.Testing;

namespace TinyBeauty.Core.Tests;

public partial class ImageResizeTests
{
    public static TheoryData<string> FixtureNames =>
        ["c1_up", "c1_down", "c3_down", "c3_up", "c3_half", "c3_mixed", "c4_up", "c4_down"];

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Bilinear_OpenCvFixture_MatchesEveryByte(string name)
    {
        var fixture = ResizeFixture.Load(name);
        var actual = new byte[fixture.Expected.Length];

        ImageResize.Bilinear(
            fixture.Source,
            fixture.SourceWidth,
            fixture.SourceHeight,
            fixture.SourceWidth * fixture.Channels,
            actual,
            fixture.DestinationWidth,
            fixture.DestinationHeight,
            fixture.DestinationWidth * fixture.Channels,
            fixture.Channels);

        var mismatches = CountMismatches(fixture.Expected, actual, out var first);
        Assert.True(mismatches == 0, $"{mismatches} of {actual.Length} bytes differ from OpenCV; first at {first}.");
    }

    [Theory]
    [InlineData("c3_down", PixelLayout.Rgb24)]
    [InlineData("c3_up", PixelLayout.Bgr24)]
    [InlineData("c4_down", PixelLayout.Rgba32)]
    public void Bilinear_PaddedStrides_MatchesFixture(string name, PixelLayout layout)
    {
        var fixture = ResizeFixture.Load(name);
        var bpp = layout.BytesPerPixel();
        var sourceStride = fixture.SourceWidth * bpp + 7;
        var destinationStride = fixture.DestinationWidth * bpp + 5;
        var source = new byte[fixture.SourceHeight * sourceStride];
        for (var y = 0; y < fixture.SourceHeight; y++)
        {
            fixture.Source.AsSpan(y * fixture.SourceWidth * bpp, fixture.SourceWidth * bpp)
                .CopyTo(source.AsSpan(y * sourceStride));
        }

        var destination = new byte[fixture.DestinationHeight * destinationStride];
        destination.AsSpan().Fill(0xAB);

        ImageResize.Bilinear(
            new ReadOnlyImageView(source, fixture.SourceWidth, fixture.SourceHeight, layout, sourceStride),
            new ImageView(destination, fixture.DestinationWidth, fixture.DestinationHeight, layout, destinationStride));

        var rowBytes = fixture.DestinationWidth * bpp;
        for (var y = 0; y < fixture.DestinationHeight; y++)
        {
            Assert.Equal(
                fixture.Expected.AsSpan(y * rowBytes, rowBytes).ToArray(),
                destination.AsSpan(y * destinationStride, rowBytes).ToArray());
            Assert.All(destination.AsSpan(y * destinationStride + rowBytes, 5).ToArray(), b => Assert.Equal(0xAB, b));
        }
    }

    [Fact]
    public void Bilinear_QuarterScaleRandomImage_AveragesInnerTwoByTwoBlock()
    {
        var source = RandomBytes(64 * 48 * 3, seed: 5);
        var destination = new byte[16 * 12 * 3];

        ImageResize.Bilinear(
            new ReadOnlyImageView(source, 64, 48, PixelLayout.Rgb24),
            new ImageView(destination, 16, 12, PixelLayout.Rgb24));

        AssertQuarterBlockAverage(source, 64, destination, 16, 12, 3);
    }

    [ReferenceFact("reference/tinybeauty-official/examples/01.png")]
    public void Bilinear_Official1024To256_AveragesInnerTwoByTwoBlock()
    {
        var photo = PngReader.Read(ReferenceData.Official("examples/01.png"));
        var destination = new byte[256 * 256 * 3];

        ImageResize.Bilinear(
            new ReadOnlyImageView(photo.Pixels, photo.Width, photo.Height, PixelLayout.Rgb24),
            new ImageView(destination, 256, 256, PixelLayout.Rgb24));

        AssertQuarterBlockAverage(photo.Pixels, 1024, destination, 256, 256, 3);
    }

    [Fact]
    public void Bilinear_SameSize_CopiesSource()
    {
        var source = RandomBytes(13 * 7 * 4, seed: 9);
        var destination = new byte[source.Length];

        ImageResize.Bilinear(
            new ReadOnlyImageView(source, 13, 7, PixelLayout.Rgba32),
            new ImageView(destination, 13, 7, PixelLayout.Rgba32));

        Assert.Equal(source, destination);
    }

    [Fact]
    public void Bilinear_OnePixelSource_FillsDestination()
    {
        byte[] source = [10, 20, 30];
        var destination = new byte[5 * 4 * 3];

        ImageResize.Bilinear(
            new ReadOnlyImageView(source, 1, 1, PixelLayout.Bgr24),
            new ImageView(destination, 5, 4, PixelLayout.Bgr24));

        for (var i = 0; i < destination.Length; i += 3)
        {
            Assert.Equal(source, destination.AsSpan(i, 3).ToArray());
        }
    }

    [Fact]
    public void Bilinear_DifferentLayouts_Throws()
    {
        var source = new byte[4 * 4 * 3];
        var destination = new byte[2 * 2 * 4];

        var error = Assert.Throws<ArgumentException>(() => ImageResize.Bilinear(
            new ReadOnlyImageView(source, 4, 4, PixelLayout.Rgb24),
            new ImageView(destination, 2, 2, PixelLayout.Rgba32)));

        Assert.Equal("destination", error.ParamName);
        Assert.Contains("Rgba32", error.Message, StringComparison.Ordinal);
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void AssertQuarterBlockAverage(
        byte[] source,
        int sourceWidth,
        byte[] destination,
        int width,
        int height,
        int channels)
    {
        var mismatches = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    int At(int row, int column) => source[(row * sourceWidth + column) * channels + c];
                    var (r, q) = (4 * y + 1, 4 * x + 1);
                    var expected = (At(r, q) + At(r, q + 1) + At(r + 1, q) + At(r + 1, q + 1) + 2) >> 2;
                    mismatches += destination[(y * width + x) * channels + c] == expected ? 0 : 1;
                }
            }
        }

        Assert.True(mismatches == 0, $"{mismatches} of {destination.Length} values are not the 2x2 block average.");
    }

    private static int CountMismatches(byte[] expected, byte[] actual, out int first)
    {
        first = -1;
        var count = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                first = first < 0 ? i : first;
                count++;
            }
        }

        return count;
    }
}
