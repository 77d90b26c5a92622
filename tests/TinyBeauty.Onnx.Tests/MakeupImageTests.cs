using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Onnx.Tests;

public sealed class MakeupImageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-image-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_PngWrittenBySave_RoundTripsPixels()
    {
        using var image = MakeupSessionTests.RandomImage(13, 7, seed: 4);
        var path = Path.Combine(_folder, "photo.png");

        MakeupImage.Save(image, path);
        using var loaded = MakeupImage.Load(path);

        Assert.Equal(MakeupSessionTests.Pixels(image), MakeupSessionTests.Pixels(loaded));
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Load_ZeroByteFile_ThrowsSayingEmpty()
    {
        var path = Path.Combine(_folder, "empty.png");
        File.WriteAllBytes(path, []);

        var error = Assert.Throws<InvalidDataException>(() => MakeupImage.Load(path));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TextFile_ThrowsSayingUnsupportedFormat()
    {
        var path = Path.Combine(_folder, "notes.jpg");
        File.WriteAllText(path, "this is not an image");

        var error = Assert.Throws<InvalidDataException>(() => MakeupImage.Load(path));

        Assert.Contains("supported format", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedPng_ThrowsInvalidData()
    {
        using var image = MakeupSessionTests.RandomImage(64, 64, seed: 4);
        using var buffer = new MemoryStream();
        image.SaveAsPng(buffer);
        var path = Path.Combine(_folder, "truncated.png");
        File.WriteAllBytes(path, buffer.ToArray().AsSpan(0, (int)buffer.Length / 2).ToArray());

        Assert.Throws<InvalidDataException>(() => MakeupImage.Load(path));
    }

    [Fact]
    public void Load_ImageOverPixelLimit_ThrowsNamingSizeAndLimit()
    {
        using var image = MakeupSessionTests.RandomImage(100, 60, seed: 4);
        var path = Path.Combine(_folder, "big.png");
        MakeupImage.Save(image, path);

        var error = Assert.Throws<InvalidDataException>(() => MakeupImage.Load(path, maxPixels: 5000));

        Assert.Contains("100x60", error.Message, StringComparison.Ordinal);
        Assert.Contains("5000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => MakeupImage.Load(Path.Combine(_folder, "absent.png")));
    }

    [Fact]
    public void Save_UnknownExtension_ThrowsAndWritesNothing()
    {
        using var image = MakeupSessionTests.RandomImage(4, 4, seed: 4);

        Assert.Throws<ArgumentException>(() => MakeupImage.Save(image, Path.Combine(_folder, "photo.xyz")));

        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Save_OverExistingFile_ReplacesItWhole()
    {
        var path = Path.Combine(_folder, "photo.png");
        using (var first = MakeupSessionTests.RandomImage(8, 8, seed: 1))
        {
            MakeupImage.Save(first, path);
        }

        using var second = MakeupSessionTests.RandomImage(5, 9, seed: 2);
        MakeupImage.Save(second, path);

        using var loaded = Image.Load<Rgb24>(path);
        Assert.Equal((5, 9), (loaded.Width, loaded.Height));
        Assert.Single(Directory.GetFiles(_folder));
    }
}
