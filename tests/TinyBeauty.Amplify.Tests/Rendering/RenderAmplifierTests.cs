using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Onnx.Pairs;

namespace TinyBeauty.Amplify.Tests.Rendering;

public sealed class RenderAmplifierTests : IClassFixture<RenderAmplifierTests.SharedMesh>, IDisposable
{
    private static readonly MakeupStyle s_style = new()
    {
        Name = "test",
        Lipstick = new LipstickLayer(),
        Eyeliner = new EyelinerLayer(),
    };

    private static readonly MakeupStyle s_lipsOnly = new() { Name = "lips", Lipstick = new LipstickLayer() };

    private readonly FaceMesh _mesh;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"tinybeauty-render-{Guid.NewGuid():N}");
    private readonly string _faces;

    public RenderAmplifierTests(SharedMesh shared)
    {
        _mesh = shared.Mesh;
        _faces = Path.Combine(_root, "faces");
        Directory.CreateDirectory(_faces);
        File.Copy(TestFaces.AstronautPath, Path.Combine(_faces, "astronaut.png"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Run_Count_WritesPairsThatThePairFolderReads()
    {
        using var amplifier = new RenderAmplifier(_mesh);
        var output = Path.Combine(_root, "pairs");
        var reports = new List<RenderProgress>();

        var report = amplifier.Run(
            _faces, s_style, output, new RenderAmplifierOptions { Count = 3, Size = 128 }, new ListProgress(reports));

        Assert.Equal(3, report.Written);
        Assert.Equal(1, report.FacesFound);
        Assert.Empty(report.Problems);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Done));
        var folder = PairFolder.Open(output);
        Assert.Equal(
            ["astronaut-f0-000", "astronaut-f0-001", "astronaut-f0-002"],
            folder.Pairs.Select(pair => pair.Name));
        Assert.Empty(folder.Problems);
        using var pair = folder.Pairs[0].Load();
        Assert.Equal(128, pair.Width);
        Assert.Contains("lips", pair.Masks.Keys);
        Assert.Contains("eyes", pair.Masks.Keys);
        Assert.Contains("cheeks", pair.Masks.Keys);
        Assert.NotEqual(Pixels(pair.Before), Pixels(pair.After));
    }

    [Fact]
    public void Run_Again_SkipsFinishedPairs()
    {
        using var amplifier = new RenderAmplifier(_mesh);
        var output = Path.Combine(_root, "pairs");
        var options = new RenderAmplifierOptions { Count = 2, Size = 64 };
        amplifier.Run(_faces, s_style, output, options);
        File.Delete(Path.Combine(output, "after", "astronaut-f0-001.png"));

        var report = amplifier.Run(_faces, s_style, output, options);

        Assert.Equal(1, report.Written);
        Assert.Equal(1, report.AlreadyPresent);
        Assert.True(File.Exists(Path.Combine(output, "after", "astronaut-f0-001.png")));
    }

    [Fact]
    public void Run_SameSeed_GivesIdenticalFiles()
    {
        using var amplifier = new RenderAmplifier(_mesh);
        var options = new RenderAmplifierOptions { Count = 2, Size = 64, StyleJitter = 0.5f, Seed = 7 };
        amplifier.Run(_faces, s_style, Path.Combine(_root, "a"), options);
        amplifier.Run(_faces, s_style, Path.Combine(_root, "b"), options);
        amplifier.Run(_faces, s_style, Path.Combine(_root, "c"), options with { Seed = 8 });

        var name = Path.Combine("after", "astronaut-f0-001.png");
        var a = File.ReadAllBytes(Path.Combine(_root, "a", name));
        Assert.Equal(a, File.ReadAllBytes(Path.Combine(_root, "b", name)));
        Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(_root, "c", name)));
    }

    [Fact]
    public void Run_BadPhotos_AreSkippedAndReported()
    {
        File.WriteAllText(Path.Combine(_faces, "broken.jpg"), "not a photo");
        using (var blank = new Image<Rgb24>(64, 64, new Rgb24(128, 128, 128)))
        {
            blank.SaveAsPng(Path.Combine(_faces, "blank.png"));
        }

        using var amplifier = new RenderAmplifier(_mesh);
        var report = amplifier.Run(
            _faces, s_style, Path.Combine(_root, "pairs"), new RenderAmplifierOptions { Size = 64 });

        Assert.Equal(1, report.Written);
        Assert.Equal(2, report.Problems.Count);
        Assert.Contains(report.Problems, p => p.Path.EndsWith("blank.png", StringComparison.Ordinal)
            && p.Reason.Contains("no face", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Path.EndsWith("broken.jpg", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_StopOnProblem_ThrowsNamingThePhoto()
    {
        File.WriteAllText(Path.Combine(_faces, "broken.jpg"), "not a photo");
        using var amplifier = new RenderAmplifier(_mesh);

        var exception = Assert.Throws<InvalidDataException>(() => amplifier.Run(
            _faces, s_style, Path.Combine(_root, "pairs"), new RenderAmplifierOptions { StopOnProblem = true }));

        Assert.Contains("broken.jpg", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_PhotoTooSmallForAFace_ReportsItsSizeAndTheMinimum()
    {
        using (var tiny = new Image<Rgb24>(16, 16, new Rgb24(200, 150, 120)))
        {
            tiny.SaveAsPng(Path.Combine(_faces, "tiny.png"));
        }

        using var amplifier = new RenderAmplifier(_mesh);

        var report = amplifier.Run(_faces, s_style, Path.Combine(_root, "pairs"), new RenderAmplifierOptions
        {
            Size = 128,
        });

        var problem = Assert.Single(report.Problems);
        Assert.EndsWith("tiny.png", problem.Path, StringComparison.Ordinal);
        Assert.Contains("16 x 16 pixels, too small", problem.Reason, StringComparison.Ordinal);
        Assert.Contains($"at least {FaceDetector.MinPhotoSide} pixels", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoFaceAnywhere_ThrowsNamingTheFolder()
    {
        File.Delete(Path.Combine(_faces, "astronaut.png"));
        using (var blank = new Image<Rgb24>(64, 64))
        {
            blank.SaveAsPng(Path.Combine(_faces, "blank.png"));
        }

        using var amplifier = new RenderAmplifier(_mesh);

        var exception = Assert.Throws<InvalidDataException>(
            () => amplifier.Run(_faces, s_style, Path.Combine(_root, "pairs")));

        Assert.Contains(_faces, exception.Message, StringComparison.Ordinal);
        Assert.Contains("blank.png", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Cancelled_StopsAndKeepsFinishedPairs()
    {
        using var amplifier = new RenderAmplifier(_mesh);
        using var cancellation = new CancellationTokenSource();
        var output = Path.Combine(_root, "pairs");
        var progress = new CallbackProgress(_ => cancellation.Cancel());

        Assert.Throws<OperationCanceledException>(() => amplifier.Run(
            _faces,
            s_style,
            output,
            new RenderAmplifierOptions { Count = 4, Size = 64 },
            progress,
            cancellation.Token));

        Assert.Single(Directory.GetFiles(Path.Combine(output, "after")));
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Run_RotationJitter_TurnsTheCropAndTheLandmarksTogether()
    {
        using var amplifier = new RenderAmplifier(_mesh);
        var output = Path.Combine(_root, "pairs");
        var options = new RenderAmplifierOptions
        {
            Count = 2, Size = 128, CropJitter = 0f, RotationJitter = 30f, Seed = 3,
        };

        amplifier.Run(_faces, s_lipsOnly, output, options);

        var folder = PairFolder.Open(output);
        using var upright = folder.Pairs[0].Load();
        using var turned = folder.Pairs[1].Load();
        var tilt = EyeLineDegrees(turned.Masks["eyes"], 128) - EyeLineDegrees(upright.Masks["eyes"], 128);
        Assert.InRange(Math.Abs(tilt), 2.0, 32.0);
        Assert.True(
            ShareOfChangeInside(turned, turned.Masks["lips"]) > 0.95,
            "the lipstick painted on the turned crop lies inside its turned lips mask");
    }

    [Fact]
    public void Run_ToneJitter_PaintsTheVariedFace()
    {
        using var amplifier = new RenderAmplifier(_mesh);
        var plain = new RenderAmplifierOptions { Count = 2, Size = 128, CropJitter = 0f, Seed = 3 };
        amplifier.Run(_faces, s_lipsOnly, Path.Combine(_root, "plain"), plain);
        amplifier.Run(_faces, s_lipsOnly, Path.Combine(_root, "toned"), plain with { ToneJitter = 1f });

        var plainPairs = PairFolder.Open(Path.Combine(_root, "plain"));
        var tonedPairs = PairFolder.Open(Path.Combine(_root, "toned"));
        using var first = plainPairs.Pairs[0].Load();
        using var second = plainPairs.Pairs[1].Load();
        using var toned = tonedPairs.Pairs[1].Load();
        Assert.Equal(Pixels(first.Before), Pixels(second.Before));
        Assert.True(MeanAbsoluteDifference(Pixels(second.Before), Pixels(toned.Before)) > 2.0);
        Assert.True(ShareOfChangeInside(toned, toned.Masks["lips"]) > 0.95);
    }

    [Theory]
    [InlineData(-1f, 0f)]
    [InlineData(46f, 0f)]
    [InlineData(0f, -0.1f)]
    [InlineData(0f, 1.1f)]
    public void Validate_JitterOutOfRange_Throws(float rotation, float tone)
    {
        var options = new RenderAmplifierOptions { RotationJitter = rotation, ToneJitter = tone };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    /// <summary>The angle of the line from the left eye's centre to the right eye's, from an eyes mask.</summary>
    private static double EyeLineDegrees(byte[] eyes, int size)
    {
        var (leftX, leftY, leftWeight, rightX, rightY, rightWeight) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                double weight = eyes[(y * size) + x];
                if (x < size / 2)
                {
                    (leftX, leftY, leftWeight) = (leftX + (x * weight), leftY + (y * weight), leftWeight + weight);
                }
                else
                {
                    (rightX, rightY) = (rightX + (x * weight), rightY + (y * weight));
                    rightWeight += weight;
                }
            }
        }

        var dx = (rightX / rightWeight) - (leftX / leftWeight);
        var dy = (rightY / rightWeight) - (leftY / leftWeight);
        return Math.Atan2(dy, dx) * 180.0 / Math.PI;
    }

    /// <summary>The share of the pair's total change (summed absolute difference) inside a mask.</summary>
    private static double ShareOfChangeInside(LoadedPair pair, byte[] mask)
    {
        var before = Pixels(pair.Before);
        var after = Pixels(pair.After);
        var (inside, total) = (0.0, 0.0);
        for (var index = 0; index < before.Length; index++)
        {
            var change = Math.Abs(after[index] - before[index]);
            total += change;
            inside += mask[index / 3] > 0 ? change : 0;
        }

        return inside / total;
    }

    private static double MeanAbsoluteDifference(byte[] first, byte[] second) =>
        first.Zip(second, (a, b) => Math.Abs(a - b)).Average();

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    /// <summary>One face mesh for the whole class: loading the models takes a moment.</summary>
    public sealed class SharedMesh : IDisposable
    {
        public FaceMesh Mesh { get; } = new();

        public void Dispose() => Mesh.Dispose();
    }

    private sealed class ListProgress(List<RenderProgress> reports) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value) => reports.Add(value);
    }

    private sealed class CallbackProgress(Action<RenderProgress> callback) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value) => callback(value);
    }
}
