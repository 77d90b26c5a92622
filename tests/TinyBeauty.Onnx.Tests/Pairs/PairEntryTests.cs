using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Core;
using TinyBeauty.Core.Metrics;
using TinyBeauty.Onnx.Pairs;

namespace TinyBeauty.Onnx.Tests.Pairs;

public sealed class PairEntryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-pair-load-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_PairWithMasks_DecodesImagesAndMaskWeightsRowByRow()
    {
        PairFolderTests.SaveImage(FullPath("before/face.png"), 5, 3, new Rgb24(10, 20, 30));
        PairFolderTests.SaveImage(FullPath("after/face.png"), 5, 3, new Rgb24(200, 20, 30));
        PairFolderTests.SaveMask(FullPath("masks/face-lips.png"), 5, 3, (x, y) => (byte)(y * 5 + x));
        PairFolderTests.SaveMask(FullPath("masks/face-eyes.png"), 5, 3, (x, y) => 0);
        var entry = Assert.Single(PairFolder.Open(_folder).Pairs);

        using var pair = entry.Load();

        Assert.Equal("face", pair.Name);
        Assert.Equal((5, 3), (pair.Width, pair.Height));
        Assert.Equal(new Rgb24(10, 20, 30), pair.Before[4, 2]);
        Assert.Equal(new Rgb24(200, 20, 30), pair.After[0, 0]);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (byte)i), pair.Masks["lips"]);
        Assert.All(pair.Masks["eyes"], weight => Assert.Equal(0, weight));
    }

    [Fact]
    public void Load_MaskOverTheOnlyUnchangedPixels_ScoresInfinitePsnrThere()
    {
        // The after image differs from the before image everywhere except the left column, the mask's region.
        using (var image = new Image<Rgb24>(4, 4, new Rgb24(90, 90, 90)))
        {
            for (var y = 0; y < 4; y++)
            {
                image[0, y] = new Rgb24(50, 60, 70);
            }

            image.SaveAsPng(FullPath("after/face.png"));
        }

        PairFolderTests.SaveImage(FullPath("before/face.png"), 4, 4, new Rgb24(50, 60, 70));
        PairFolderTests.SaveMask(FullPath("masks/face-edge.png"), 4, 4, (x, y) => x == 0 ? (byte)255 : (byte)0);
        using var pair = Assert.Single(PairFolder.Open(_folder).Pairs).Load();

        var before = Pixels(pair.Before);
        var after = Pixels(pair.After);
        var whole = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(before, 4, 4, PixelLayout.Rgb24),
            new ReadOnlyImageView(after, 4, 4, PixelLayout.Rgb24));
        var masked = ImageQuality.PeakSignalToNoiseRatio(
            new ReadOnlyImageView(before, 4, 4, PixelLayout.Rgb24),
            new ReadOnlyImageView(after, 4, 4, PixelLayout.Rgb24),
            pair.Masks["edge"]);

        Assert.True(double.IsFinite(whole));
        Assert.Equal(double.PositiveInfinity, masked);
    }

    [Fact]
    public void Load_ImageResizedSinceOpen_ThrowsInvalidDataNamingTheFile()
    {
        PairFolderTests.SaveImage(FullPath("before/face.png"), 4, 4);
        PairFolderTests.SaveImage(FullPath("after/face.png"), 4, 4);
        var entry = Assert.Single(PairFolder.Open(_folder).Pairs);
        PairFolderTests.SaveImage(FullPath("after/face.png"), 4, 6);

        var error = Assert.Throws<InvalidDataException>(() => entry.Load());

        Assert.Contains(FullPath("after/face.png"), error.Message, StringComparison.Ordinal);
        Assert.Contains("4x6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MaskDeletedSinceOpen_ThrowsFileNotFound()
    {
        PairFolderTests.SaveImage(FullPath("before/face.png"), 4, 4);
        PairFolderTests.SaveImage(FullPath("after/face.png"), 4, 4);
        PairFolderTests.SaveMask(FullPath("masks/face-lips.png"), 4, 4);
        var entry = Assert.Single(PairFolder.Open(_folder).Pairs);
        File.Delete(FullPath("masks/face-lips.png"));

        var error = Assert.Throws<FileNotFoundException>(() => entry.Load());

        Assert.Equal(FullPath("masks/face-lips.png"), error.FileName);
    }

    [Fact]
    public void Load_ImageOverPixelLimit_ThrowsInvalidData()
    {
        PairFolderTests.SaveImage(FullPath("before/face.png"), 8, 8);
        PairFolderTests.SaveImage(FullPath("after/face.png"), 8, 8);
        var entry = Assert.Single(PairFolder.Open(_folder).Pairs);

        var error = Assert.Throws<InvalidDataException>(() => entry.Load(maxPixels: 63));

        Assert.Contains("63", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MaxPixelsBelowOne_ThrowsArgumentOutOfRange()
    {
        PairFolderTests.SaveImage(FullPath("before/face.png"), 2, 2);
        PairFolderTests.SaveImage(FullPath("after/face.png"), 2, 2);
        var entry = Assert.Single(PairFolder.Open(_folder).Pairs);

        Assert.Throws<ArgumentOutOfRangeException>(() => entry.Load(maxPixels: 0));
    }

    [Fact]
    public void Dispose_ThenImages_ThrowObjectDisposedButMasksStayReadable()
    {
        PairFolderTests.SaveImage(FullPath("before/face.png"), 2, 2);
        PairFolderTests.SaveImage(FullPath("after/face.png"), 2, 2);
        PairFolderTests.SaveMask(FullPath("masks/face-lips.png"), 2, 2);
        var pair = Assert.Single(PairFolder.Open(_folder).Pairs).Load();

        pair.Dispose();
        pair.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pair.Before);
        Assert.Throws<ObjectDisposedException>(() => pair.After);
        Assert.Equal(4, pair.Masks["lips"].Length);
    }

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    private string FullPath(string relative)
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
