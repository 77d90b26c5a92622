using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TinyBeauty.Amplify.Diffusion.Guidance;
using TinyBeauty.Amplify.Diffusion.Pipeline;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionPairGeneratorTests : IDisposable
{
    private const int Size = 32;

    private readonly string _root = Directory.CreateTempSubdirectory("tinybeauty-generate-").FullName;

    public DiffusionPairGeneratorTests()
    {
        Directory.CreateDirectory(Faces);
        for (var index = 0; index < 2; index++)
        {
            using var photo = SeedPairs.Photo(48, index);
            photo.SaveAsPng(Path.Combine(Faces, $"photo{index}.png"));
        }

        File.WriteAllText(Path.Combine(Faces, "broken.png"), "not an image");
    }

    private string Faces => Path.Combine(_root, "faces");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Run_TinyModels_WritesPairsOfTheImageSizeAndReportsTheBrokenPhoto()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var output = Path.Combine(_root, "pairs");

        var report = Generator(models, CenterCrop(255)).Run(Faces, style, output);

        Assert.Equal(2, report.Written);
        var problem = Assert.Single(report.Problems);
        Assert.EndsWith("broken.png", problem.Path, StringComparison.Ordinal);
        foreach (var file in new[] { "before/photo0-f0.png", "after/photo1-f0.png", "masks/photo0-f0-face.png" })
        {
            var info = Image.Identify(Path.Combine(output, file));
            Assert.Equal((Size, Size), (info.Width, info.Height));
        }

        var pairs = TinyBeauty.Onnx.Pairs.PairFolder.Open(output);
        Assert.Equal(2, pairs.Pairs.Count);
    }

    [Fact]
    public void Run_WithLogger_WarnsOfTheBrokenPhoto()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var logger = new RecordingLogger<DiffusionPairGenerator>();

        new DiffusionPairGenerator(models, CenterCrop(255), Options(), logger)
            .Run(Faces, style, Path.Combine(_root, "pairs"));

        var warning = Assert.Single(logger.Events, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal(202, warning.Id.Id);
        Assert.Contains("broken.png", warning.Message, StringComparison.Ordinal);
        Assert.Equal(2, logger.Events.Count(e => e.Id.Id == 200));
    }

    [Fact]
    public void Run_Again_SkipsThePhotosAlreadyDone()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var output = Path.Combine(_root, "pairs");
        Generator(models, CenterCrop(255)).Run(Faces, style, output);
        var written = File.GetLastWriteTimeUtc(Path.Combine(output, "after", "photo0-f0.png"));

        var report = Generator(models, CenterCrop(255)).Run(Faces, style, output);

        Assert.Equal(0, report.Written);
        Assert.Equal(2, report.PhotosAlreadyDone);
        Assert.Equal(2, report.PairsAlreadyDone);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(output, "after", "photo0-f0.png")));
    }

    [Fact]
    public void Run_AgainAfterOnePairWasLost_RegeneratesOnlyThatPairWithTheSameBytes()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var output = Path.Combine(_root, "pairs");
        Generator(models, TwoFaces()).Run(Faces, style, output);
        var after = (string name) => Path.Combine(output, "after", name + ".png");
        var original = File.ReadAllBytes(after("photo0-f1"));
        var untouched = new[] { "photo0-f0", "photo1-f0", "photo1-f1" }
            .ToDictionary(name => name, name => File.GetLastWriteTimeUtc(after(name)));

        // An interrupted multi-face photo: its second face's after image was never renamed into place.
        File.Delete(after("photo0-f1"));
        var report = Generator(models, TwoFaces()).Run(Faces, style, output);

        Assert.Equal(1, report.Written);
        Assert.Equal(3, report.PairsAlreadyDone);
        Assert.Equal(1, report.PhotosAlreadyDone);
        Assert.Equal(original, File.ReadAllBytes(after("photo0-f1")));
        foreach (var (name, written) in untouched)
        {
            Assert.Equal(written, File.GetLastWriteTimeUtc(after(name)));
        }
    }

    [Fact]
    public void Run_SameSeed_WritesIdenticalBytes()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);

        Generator(models, CenterCrop(255)).Run(Faces, style, Path.Combine(_root, "a"));
        Generator(models, CenterCrop(255)).Run(Faces, style, Path.Combine(_root, "b"));

        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_root, "a", "after", "photo1-f0.png")),
            File.ReadAllBytes(Path.Combine(_root, "b", "after", "photo1-f0.png")));
    }

    [Fact]
    public void Run_EmptyMask_GivesTheStyleFreeBranchWhateverTheStyle()
    {
        using var models = TinyModels();
        using var firstStyle = SeedPairs.Photo(40, 7);
        using var secondStyle = SeedPairs.Photo(40, 3);
        firstStyle.Mutate(context => context.Invert());

        Generator(models, CenterCrop(0)).Run(Faces, firstStyle, Path.Combine(_root, "a"));
        Generator(models, CenterCrop(0)).Run(Faces, secondStyle, Path.Combine(_root, "b"));
        Generator(models, CenterCrop(255)).Run(Faces, firstStyle, Path.Combine(_root, "c"));
        Generator(models, CenterCrop(255)).Run(Faces, secondStyle, Path.Combine(_root, "d"));

        var after = (string folder) => File.ReadAllBytes(Path.Combine(_root, folder, "after", "photo0-f0.png"));
        Assert.Equal(after("a"), after("b"));
        Assert.NotEqual(after("c"), after("d"));
    }

    [Fact]
    public void Run_MaskGuidanceWithEmptyMask_KeepsTheInputLatentsWhateverTheSeed()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var after = (string folder, int seed, bool guided) =>
        {
            var options = Options() with { Seed = seed, MaskGuidance = guided };
            new DiffusionPairGenerator(models, CenterCrop(0), options).Run(Faces, style, Path.Combine(_root, folder));
            return File.ReadAllBytes(Path.Combine(_root, folder, "after", "photo0-f0.png"));
        };

        // With nothing to change, guided sampling ends on the input's latents, so the noise seed cannot matter.
        Assert.Equal(after("guided-1", 1, true), after("guided-2", 2, true));
        Assert.NotEqual(after("free-1", 1, false), after("free-2", 2, false));
    }

    [Fact]
    public void Run_FullMaskWithDetailWeightOneAndNoStyle_ReturnsTheInputCrop()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var options = Options() with
        {
            Synthesis = ResidualDiffusionOptions.Paper with { DetailWeight = 1, StyleWeight = 0 },
        };
        var output = Path.Combine(_root, "pairs");

        new DiffusionPairGenerator(models, CenterCrop(255), options).Run(Faces, style, output);

        using var before = Image.Load<Rgb24>(Path.Combine(output, "before", "photo0-f0.png"));
        using var after = Image.Load<Rgb24>(Path.Combine(output, "after", "photo0-f0.png"));
        Assert.Equal(Pixels(before), Pixels(after));
    }

    [Fact]
    public void Run_TwoStylesOnTwoRegions_EachRegionMatchesItsStyleAlone()
    {
        using var models = TinyModels();
        using var lipsStyle = SeedPairs.Photo(40, 7);
        using var eyesStyle = SeedPairs.Photo(40, 3);
        eyesStyle.Mutate(context => context.Invert());
        var generator = Generator(models, HalvesCrop());

        generator.Run(Faces, [new DiffusionStyleReference(lipsStyle, ["lips"])], Path.Combine(_root, "lips"));
        generator.Run(Faces, [new DiffusionStyleReference(eyesStyle, ["eyes"])], Path.Combine(_root, "eyes"));
        generator.Run(
            Faces,
            [new DiffusionStyleReference(lipsStyle, ["lips"]), new DiffusionStyleReference(eyesStyle, ["eyes"])],
            Path.Combine(_root, "both"));

        var after = (string folder) =>
        {
            using var image = Image.Load<Rgb24>(Path.Combine(_root, folder, "after", "photo0-f0.png"));
            return Pixels(image);
        };
        var (lips, eyes, both) = (after("lips"), after("eyes"), after("both"));
        var rowBytes = Size * 3;
        var half = rowBytes / 2;
        for (var row = 0; row < Size; row++)
        {
            var left = new Range(row * rowBytes, (row * rowBytes) + half);
            var right = new Range((row * rowBytes) + half, (row + 1) * rowBytes);
            Assert.Equal(lips[left], both[left]);
            Assert.Equal(eyes[right], both[right]);
        }

        Assert.NotEqual(lips, both);
    }

    [Fact]
    public void Run_StyleRegionTheCropLacks_ThrowsNamingIt()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);

        var exception = Assert.Throws<InvalidOperationException>(() => Generator(models, CenterCrop(255)).Run(
            Faces, [new DiffusionStyleReference(style, ["cheeks"])], Path.Combine(_root, "pairs")));

        Assert.Contains("cheeks", exception.Message, StringComparison.Ordinal);
        Assert.Contains("face", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InvalidStyleList_ThrowsBeforeWritingAnything()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var generator = Generator(models, CenterCrop(255));
        var output = Path.Combine(_root, "pairs");

        Assert.Throws<ArgumentException>(() => generator.Run(Faces, [], output));
        Assert.Throws<ArgumentException>(() => generator.Run(Faces, [new DiffusionStyleReference(style, [])], output));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => generator.Run(Faces, [new DiffusionStyleReference(style, StyleWeight: double.NaN)], output));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Run_NoFaceFound_ReportsThePhotoAndWritesNothing()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var output = Path.Combine(_root, "pairs");

        var report = new DiffusionPairGenerator(models, (_, _) => [], Options()).Run(Faces, style, output);

        Assert.Equal(0, report.Written);
        Assert.Equal(3, report.Problems.Count);
        Assert.Contains(report.Problems, problem => problem.Reason == "No face was found.");
        Assert.Empty(Directory.GetFiles(Path.Combine(output, "after")));
    }

    [Fact]
    public void Run_CropOfAnotherSize_Throws()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        var cropper = CenterCrop(255);
        DiffusionFaceCropper wrongSize = (photo, _) => cropper(photo, Size * 2);

        Assert.Throws<InvalidOperationException>(
            () => Generator(models, wrongSize).Run(Faces, style, Path.Combine(_root, "pairs")));
    }

    [Fact]
    public void Constructor_SizeNotAMultipleOfTheNetworks_Throws()
    {
        using var models = TinyModels();

        Assert.Throws<ArgumentOutOfRangeException>(
            () => new DiffusionPairGenerator(models, CenterCrop(255), Options() with { Size = 30 }));
    }

    [Fact]
    public void Run_WithControlNet_WritesPairs()
    {
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.TinyWithControlNet, seed: 3);
        models.InjectLora();
        using var style = SeedPairs.Photo(40, 7);

        var report = Generator(models, CenterCrop(255)).Run(Faces, style, Path.Combine(_root, "pairs"));

        Assert.Equal(2, report.Written);
    }

    [Fact]
    public void Run_Cancelled_ThrowsAndKeepsFinishedPairs()
    {
        using var models = TinyModels();
        using var style = SeedPairs.Photo(40, 7);
        using var cancel = new CancellationTokenSource();
        var output = Path.Combine(_root, "pairs");
        var progress = new Inline<DiffusionGenerateProgress>(report =>
        {
            if (report.Done == 2)
            {
                cancel.Cancel();
            }
        });

        Assert.Throws<OperationCanceledException>(
            () => Generator(models, CenterCrop(255)).Run(Faces, style, output, progress, cancel.Token));

        Assert.True(File.Exists(Path.Combine(output, "after", "photo0-f0.png")));
        Assert.False(File.Exists(Path.Combine(output, "after", "photo1-f0.png")));
    }

    private static DiffusionModels TinyModels()
    {
        var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 2);
        var adapter = models.InjectLora();
        using var noGrad = TorchSharp.torch.no_grad();
        var generator = new TorchSharp.torch.Generator(9);
        foreach (var layer in adapter.Layers.Values)
        {
            using var values = TorchSharp.torch.randn(layer.UpWeight.shape, generator: generator) * 0.1;
            layer.UpWeight.copy_(values);
        }

        return models;
    }

    private static DiffusionGenerateOptions Options() => new() { Size = Size, Steps = 4, Strength = 0.5, Seed = 1 };

    private static DiffusionPairGenerator Generator(DiffusionModels models, DiffusionFaceCropper cropper) =>
        new(models, cropper, Options());

    /// <summary>A cropper that takes the centred square of the photo, with a face mask of one constant value.</summary>
    private static DiffusionFaceCropper CenterCrop(byte maskValue) => (photo, size) =>
    {
        var side = Math.Min(photo.Width, photo.Height);
        var image = photo.Clone(context => context
            .Crop(new Rectangle((photo.Width - side) / 2, (photo.Height - side) / 2, side, side))
            .Resize(size, size));
        var mask = Enumerable.Repeat(maskValue, size * size).ToArray();
        return [new DiffusionFaceCrop(image, new Dictionary<string, byte[]> { ["face"] = mask })];
    };

    /// <summary>A cropper that finds two faces: the centred square and its mirror image.</summary>
    private static DiffusionFaceCropper TwoFaces() => (photo, size) =>
    {
        var first = CenterCrop(255)(photo, size)[0];
        var mirrored = first.Image.Clone(context => context.Flip(FlipMode.Horizontal));
        return [first, new DiffusionFaceCrop(mirrored, first.Masks)];
    };

    /// <summary>A cropper whose "lips" mask is the crop's left half and whose "eyes" mask is its right half.</summary>
    private static DiffusionFaceCropper HalvesCrop() => (photo, size) =>
    {
        var crop = CenterCrop(255)(photo, size)[0];
        var (lips, eyes) = (new byte[size * size], new byte[size * size]);
        for (var index = 0; index < lips.Length; index++)
        {
            var left = index % size < size / 2;
            (lips[index], eyes[index]) = left ? ((byte)255, (byte)0) : ((byte)0, (byte)255);
        }

        return [new DiffusionFaceCrop(crop.Image, new Dictionary<string, byte[]> { ["lips"] = lips, ["eyes"] = eyes })];
    };

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    private sealed class Inline<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
