using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TinyBeauty.Cli.Tests.CliProcess;

namespace TinyBeauty.Cli.Tests;

/// <summary>Runs <c>tinybeauty train</c> as a separate process on a tiny generated pair folder.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-train-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Train_OneEpoch_WritesModelThatApplyAccepts()
    {
        var pairs = WritePairs(count: 3);
        File.WriteAllText(Path.Combine(pairs, "after", "orphan.png"), "not an image");
        var run = Path.Combine(_folder, "run");

        var train = Run("train", "--pairs", pairs, "-o", run, "--epochs", "1", "--batch", "2", "--crop", "16",
            "--width", "4", "--seed", "3");
        var output = Path.Combine(_folder, "out.png");
        var apply = Run("apply", Path.Combine(pairs, "before", "face0.png"), "-o", output,
            "--model", Path.Combine(run, "model.onnx"), "--size", "16");

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("warning: skipped", train.Error, StringComparison.Ordinal);
        Assert.Contains("step 2/2", train.Error, StringComparison.Ordinal);
        Assert.Contains("wrote", train.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.safetensors")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "losses.csv")).Length);
        Assert.True(apply.ExitCode == 0, apply.Error);
        using var image = Image.Load<Rgb24>(output);
        Assert.Equal((24, 20), (image.Width, image.Height));
    }

    [Fact]
    public void Train_Adversarial_LogsTheDiscriminatorLoss()
    {
        var run = Path.Combine(_folder, "run");

        var train = Run("train", "--pairs", WritePairs(count: 2), "-o", run, "--epochs", "1", "--batch", "2",
            "--crop", "16", "--width", "4", "--adversarial", "0.1");

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("d-loss", train.Error, StringComparison.Ordinal);
        var rows = File.ReadAllLines(Path.Combine(run, "losses.csv"));
        var header = rows[0].Split(',');
        var values = rows[1].Split(',');
        Assert.NotEqual("0", values[Array.IndexOf(header, "adversarial")]);
        Assert.NotEqual("0", values[Array.IndexOf(header, "discriminator")]);
    }

    [Theory]
    [InlineData("--batch", "0", "--batch must be at least 1")]
    [InlineData("--crop", "18", "--crop must be a multiple of 4")]
    [InlineData("--adversarial", "-1", "AdversarialWeight must be finite and non-negative")]
    public void Train_BadNumber_PrintsOneErrorLine(string option, string value, string expected)
    {
        var result = Run("train", "--pairs", WritePairs(count: 1), "-o", Path.Combine(_folder, "run"), option, value);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_PairCorruptAfterItsHeader_IsSkippedAndReportedAtTheEnd()
    {
        var pairs = WritePairs(count: 3);
        TruncatePixelData(Path.Combine(pairs, "after", "face1.png"));
        var run = Path.Combine(_folder, "run");

        var train = Run("train", "--pairs", pairs, "-o", run, "--epochs", "1", "--batch", "1", "--crop", "16",
            "--width", "4", "--validation", "0");

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains(
            "loss: L1 1, squared off, change emphasis 0, region emphasis off, eyeliner 0.5 (3 of 3 pairs have eye "
            + "masks), perceptual off",
            train.Error, StringComparison.Ordinal);
        var lines = train.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("skipped face1: ", lines[^1], StringComparison.Ordinal);
        Assert.Contains("face1.png", lines[^1], StringComparison.Ordinal);
        Assert.Contains("(3 steps, final loss", train.Output, StringComparison.Ordinal);
        Assert.Contains("1 pairs skipped", train.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_RegionEmphasis_TrainsOnTheLipsMasksAndSaysHowManyPairsHaveOne()
    {
        var pairs = WritePairs(count: 3);
        foreach (var name in new[] { "face0", "face2" })
        {
            File.Copy(Path.Combine(pairs, "masks", $"{name}-eyes.png"), Path.Combine(pairs, "masks", $"{name}-lips.png"));
        }

        var train = Run("train", "--pairs", pairs, "-o", Path.Combine(_folder, "run"), "--epochs", "1", "--batch",
            "2", "--crop", "16", "--width", "4", "--validation", "0", "--region-emphasis", "15");

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("region emphasis 15 (2 of 3 pairs have region masks)", train.Error, StringComparison.Ordinal);
        Assert.Contains("(2 steps, final loss", train.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_PairCorruptWithStopOnBadPair_PrintsOneErrorLineNamingIt()
    {
        var pairs = WritePairs(count: 2);
        TruncatePixelData(Path.Combine(pairs, "before", "face0.png"));

        var train = Run("train", "--pairs", pairs, "-o", Path.Combine(_folder, "run"), "--epochs", "1", "--crop",
            "16", "--width", "4", "--validation", "0", "--stop-on-bad-pair");

        Assert.Equal(1, train.ExitCode);
        var errors = train.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("error: ", StringComparison.Ordinal))
            .ToList();
        var error = Assert.Single(errors);
        Assert.Contains("'face0'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_MissingPerceptualWeightsFile_PrintsOneErrorLine()
    {
        var result = Run("train", "--pairs", WritePairs(count: 1), "-o", Path.Combine(_folder, "run"),
            "--perceptual-weights", Path.Combine(_folder, "vgg16.pth"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("vgg16.pth", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_MissingPairFolder_PrintsOneErrorLine()
    {
        var result = Run("train", "--pairs", Path.Combine(_folder, "nowhere"), "-o", Path.Combine(_folder, "run"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Keeps a PNG's header (so the folder scan accepts it) and cuts its pixel data short.</summary>
    private static void TruncatePixelData(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }

    private string WritePairs(int count)
    {
        var root = Path.Combine(_folder, "pairs");
        Directory.CreateDirectory(Path.Combine(root, "before"));
        Directory.CreateDirectory(Path.Combine(root, "after"));
        Directory.CreateDirectory(Path.Combine(root, "masks"));
        for (var index = 0; index < count; index++)
        {
            var random = new Random(index);
            using var before = new Image<Rgb24>(24, 20);
            using var mask = new Image<L8>(24, 20);
            before.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    foreach (ref var pixel in rows.GetRowSpan(y))
                    {
                        pixel = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                    }
                }
            });
            using var after = before.Clone();
            after.ProcessPixelRows(rows =>
            {
                for (var y = 5; y < 15; y++)
                {
                    foreach (ref var pixel in rows.GetRowSpan(y)[6..18])
                    {
                        pixel.R = (byte)Math.Min(255, pixel.R + 80);
                    }
                }
            });
            mask.ProcessPixelRows(rows =>
            {
                for (var y = 5; y < 15; y++)
                {
                    rows.GetRowSpan(y)[6..18].Fill(new L8(255));
                }
            });
            before.Save(Path.Combine(root, "before", $"face{index}.png"));
            after.Save(Path.Combine(root, "after", $"face{index}.png"));
            mask.Save(Path.Combine(root, "masks", $"face{index}-eyes.png"));
        }

        return root;
    }
}
