using TinyBeauty.Core.Tests.TestUtilities;
using TinyBeauty.Testing;

namespace TinyBeauty.Core.Tests;

public class ImageNormalizationTests
{
    [ReferenceFact(
        "reference/tinybeauty-official/examples/01.png",
        "reference/tinybeauty-official/input_style1_01_1x3x256x256.f32")]
    public void ResizeToPlanarRgb_OfficialPhoto_EqualsReferenceInputBitForBit()
    {
        var photo = PngReader.Read(ReferenceData.Official("examples/01.png"));
        var expected = ReferenceData.ReadFloat32(ReferenceData.Official("input_style1_01_1x3x256x256.f32"));
        var actual = new float[3 * 256 * 256];

        ImageNormalization.ResizeToPlanarRgb(
            new ReadOnlyImageView(photo.Pixels, photo.Width, photo.Height, PixelLayout.Rgb24),
            new PlanarTensorView(actual, 3, 256, 256));

        var mismatches = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var same = BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]);
            mismatches += same ? 0 : 1;
        }

        Assert.True(mismatches == 0, $"{mismatches} of {expected.Length} values differ from the reference input.");
    }

    [Fact]
    public void ToPlanarRgb_AllByteValues_MatchTorchvisionFloat32Steps()
    {
        var pixels = new byte[256 * 3];
        for (var v = 0; v < 256; v++)
        {
            pixels[3 * v] = (byte)v;
            pixels[3 * v + 1] = (byte)(255 - v);
            pixels[3 * v + 2] = (byte)(v ^ 0x55);
        }

        var tensor = new float[3 * 256];

        ImageNormalization.ToPlanarRgb(
            new ReadOnlyImageView(pixels, 256, 1, PixelLayout.Rgb24),
            new PlanarTensorView(tensor, 3, 1, 256));

        for (var v = 0; v < 256; v++)
        {
            // ToTensor then Normalize(0.5, 0.5), each step rounded to float32.
            var expected = (v / 255f - 0.5f) / 0.5f;
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(tensor[v]));
            Assert.Equal(pixels[3 * v + 1] / 127.5f - 1f, tensor[256 + v]);
            Assert.Equal(pixels[3 * v + 2] / 127.5f - 1f, tensor[512 + v]);
        }
    }

    [Theory]
    [InlineData(PixelLayout.Rgb24)]
    [InlineData(PixelLayout.Bgr24)]
    [InlineData(PixelLayout.Rgba32)]
    public void ToPlanarRgb_EveryLayout_PutsRedInPlaneZero(PixelLayout layout)
    {
        var bpp = layout.BytesPerPixel();
        const int Width = 5, Height = 3, Stride = 5 * 4 + 3;
        var pixels = ImageResizeTests.RandomBytes(Height * Stride, seed: (int)layout);
        var tensor = new float[3 * Height * Width];

        ImageNormalization.ToPlanarRgb(
            new ReadOnlyImageView(pixels, Width, Height, layout, Stride),
            new PlanarTensorView(tensor, 3, Height, Width));

        var red = layout == PixelLayout.Bgr24 ? 2 : 0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var p = y * Stride + x * bpp;
                var i = y * Width + x;
                Assert.Equal(pixels[p + red] / 127.5f - 1f, tensor[i]);
                Assert.Equal(pixels[p + 1] / 127.5f - 1f, tensor[Height * Width + i]);
                Assert.Equal(pixels[p + 2 - red] / 127.5f - 1f, tensor[2 * Height * Width + i]);
            }
        }
    }

    [Fact]
    public void ResizeToPlanarRgb_SameSize_EqualsToPlanarRgb()
    {
        var pixels = ImageResizeTests.RandomBytes(9 * 6 * 3, seed: 3);
        var viaResize = new float[3 * 6 * 9];
        var direct = new float[3 * 6 * 9];

        ImageNormalization.ResizeToPlanarRgb(
            new ReadOnlyImageView(pixels, 9, 6, PixelLayout.Bgr24),
            new PlanarTensorView(viaResize, 3, 6, 9));
        ImageNormalization.ToPlanarRgb(
            new ReadOnlyImageView(pixels, 9, 6, PixelLayout.Bgr24),
            new PlanarTensorView(direct, 3, 6, 9));

        Assert.Equal(direct, viaResize);
    }

    [Theory]
    [InlineData(PixelLayout.Bgr24)]
    [InlineData(PixelLayout.Rgba32)]
    public void ResizeToPlanarRgb_OtherSize_EqualsResizeThenNormalise(PixelLayout layout)
    {
        var bpp = layout.BytesPerPixel();
        var pixels = ImageResizeTests.RandomBytes(47 * 31 * bpp, seed: 8);
        var resized = new byte[19 * 23 * bpp];
        var expected = new float[3 * 19 * 23];
        var actual = new float[expected.Length];
        ImageResize.Bilinear(
            new ReadOnlyImageView(pixels, 47, 31, layout),
            new ImageView(resized, 23, 19, layout));
        ImageNormalization.ToPlanarRgb(
            new ReadOnlyImageView(resized, 23, 19, layout),
            new PlanarTensorView(expected, 3, 19, 23));

        ImageNormalization.ResizeToPlanarRgb(
            new ReadOnlyImageView(pixels, 47, 31, layout),
            new PlanarTensorView(actual, 3, 19, 23));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ResizeToPlanarRgb_SteadyState_DoesNotAllocate()
    {
        var pixels = ImageResizeTests.RandomBytes(120 * 90 * 3, seed: 4);
        var tensor = new float[3 * 32 * 32];
        void Run() => ImageNormalization.ResizeToPlanarRgb(
            new ReadOnlyImageView(pixels, 120, 90, PixelLayout.Rgb24),
            new PlanarTensorView(tensor, 3, 32, 32));

        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 100, $"A second call allocated {allocated} bytes.");
    }

    [Fact]
    public void ToPlanarRgb_WrongShape_ThrowsNamingShapes()
    {
        var pixels = new byte[4 * 4 * 3];
        var tensor = new float[3 * 4 * 5];

        var error = Assert.Throws<ArgumentException>(() => ImageNormalization.ToPlanarRgb(
            new ReadOnlyImageView(pixels, 4, 4, PixelLayout.Rgb24),
            new PlanarTensorView(tensor, 3, 4, 5)));

        Assert.Equal("destination", error.ParamName);
        Assert.Contains("3x4x4", error.Message, StringComparison.Ordinal);
        Assert.Contains("3x4x5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResizeToPlanarRgb_FourChannels_Throws()
    {
        var pixels = new byte[4 * 4 * 4];
        var tensor = new float[4 * 2 * 2];

        Assert.Throws<ArgumentException>(() => ImageNormalization.ResizeToPlanarRgb(
            new ReadOnlyImageView(pixels, 4, 4, PixelLayout.Rgba32),
            new PlanarTensorView(tensor, 4, 2, 2)));
    }
}
