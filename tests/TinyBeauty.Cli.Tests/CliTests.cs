using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Model;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Tests;
using TinyBeauty.Testing;
using static TinyBeauty.Cli.Tests.CliProcess;

namespace TinyBeauty.Cli.Tests;

/// <summary>Runs the real <c>tinybeauty</c> program as a separate process, as a user would.</summary>
public sealed class CliTests : IDisposable
{
    private static readonly TinyBeautyNetOptions s_smallNetwork =
        new() { Width = 4, EncoderResidualBlocks = 1, DecoderResidualBlocks = 1 };

    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-cli-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Apply_SafetensorsModel_WritesMadeUpPhoto()
    {
        var photo = WritePhoto("photo.png", 70, 50);
        var model = Path.Combine(_folder, "style.safetensors");
        SafeTensors.Save(RandomWeights(), model);
        var output = Path.Combine(_folder, "out.png");

        var result = Run("apply", photo, "-o", output, "--model", model, "--size", "32", "--intensity", "0.7");

        Assert.Equal(0, result.ExitCode);
        using var image = Image.Load<Rgb24>(output);
        Assert.Equal((70, 50), (image.Width, image.Height));
        Assert.Equal(["out.png", "photo.png", "style.safetensors"], FilesInFolder());
    }

    [Fact]
    public void Export_Checkpoint_WritesOnnxThatApplyAccepts()
    {
        var weights = Path.Combine(_folder, "style.safetensors");
        SafeTensors.Save(RandomWeights(), weights);
        var onnx = Path.Combine(_folder, "style.onnx");

        var export = Run("export", weights, "-o", onnx);
        var apply = Run("apply", WritePhoto("photo.jpg", 40, 40), "-o", Path.Combine(_folder, "out.jpg"),
            "--model", onnx, "--size", "16");

        Assert.Equal(0, export.ExitCode);
        Assert.Equal(0, apply.ExitCode);
        Assert.True(File.Exists(Path.Combine(_folder, "out.jpg")));
    }

    [Fact]
    public void Export_Size_IsRecordedInTheModelAndABadOneWritesNothing()
    {
        var weights = Path.Combine(_folder, "style.safetensors");
        SafeTensors.Save(RandomWeights(), weights);
        var onnx = Path.Combine(_folder, "style.onnx");
        var rejected = Path.Combine(_folder, "rejected.onnx");

        var export = Run("export", weights, "-o", onnx, "--size", "32");
        var bad = Run("export", weights, "-o", rejected, "--size", "30");

        Assert.True(export.ExitCode == 0, export.Error);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        Assert.Equal("32", session.ModelMetadata.CustomMetadataMap[OnnxExportOptions.InferenceSizeKey]);
        using var makeup = MakeupSession.Load(onnx);
        Assert.Equal((32, 32), (makeup.RecordedInferenceSize, makeup.InferenceSize));
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("error: --size must be a multiple of 4", bad.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(rejected));
    }

    [Fact]
    public void Bench_Json_PrintsOneObjectPerSizeWithEveryKey()
    {
        var model = Path.Combine(_folder, "style.onnx");
        File.WriteAllBytes(model, OnnxExporter.ExportToBytes(RandomWeights(), s_smallNetwork));

        var result = Run("bench", "--model", model, "--image-size", "64", "--sizes", "16,32", "--iterations", "2",
            "--json");

        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.Output);
        Assert.Equal(2, document.RootElement.GetArrayLength());
        string[] keys =
        [
            "size", "image", "resize_ms", "inference_ms", "apply_ms", "total_ms", "bare_inference_ms",
            "apply_scalar_ms",
        ];
        foreach (var row in document.RootElement.EnumerateArray())
        {
            Assert.All(keys, key => Assert.True(row.TryGetProperty(key, out _), $"missing key {key}"));
        }

        Assert.Equal(32, document.RootElement[1].GetProperty("size").GetInt32());
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("empty", "empty")]
    [InlineData("text", "supported format")]
    [InlineData("corrupt", "corrupt")]
    [InlineData("huge", "over the limit")]
    public void Apply_BadInputImage_PrintsOneLineAndWritesNothing(string kind, string expected)
    {
        var model = WriteModel();
        var input = Path.Combine(_folder, "input.png");
        switch (kind)
        {
            case "empty":
                File.WriteAllBytes(input, []);
                break;
            case "text":
                File.WriteAllText(input, "not a photo");
                break;
            case "corrupt":
                var bytes = File.ReadAllBytes(WritePhoto("good.png", 64, 64));
                File.WriteAllBytes(input, bytes.AsSpan(0, bytes.Length - 40).ToArray());
                File.Delete(Path.Combine(_folder, "good.png"));
                break;
            case "huge":
                WritePhoto("input.png", 200, 100);
                break;
        }

        var result = Run("apply", input, "-o", Path.Combine(_folder, "out.png"), "--model", model,
            "--max-pixels", "10000");

        AssertUserError(result, expected);
        Assert.False(File.Exists(Path.Combine(_folder, "out.png")));
    }

    [Theory]
    [InlineData("four-channels", "3 channels")]
    [InlineData("not-onnx", "could not load")]
    [InlineData("wrong-weights", "lack")]
    public void Apply_BadModel_PrintsOneLineAndWritesNothing(string kind, string expected)
    {
        var photo = WritePhoto("photo.png", 32, 32);
        string model;
        switch (kind)
        {
            case "four-channels":
                model = Path.Combine(_folder, "model.onnx");
                File.WriteAllBytes(model, TestModels.Identity(channels: 4));
                break;
            case "not-onnx":
                model = Path.Combine(_folder, "model.onnx");
                File.WriteAllText(model, "definitely not protobuf");
                break;
            default:
                model = Path.Combine(_folder, "model.safetensors");
                var weights = new StateDictionary();
                weights.Add(new NamedTensor("content_encoder.conv_first.conv.weight", [4, 3, 7, 7], new float[588]));
                SafeTensors.Save(weights, model);
                break;
        }

        var result = Run("apply", photo, "-o", Path.Combine(_folder, "out.png"), "--model", model, "--size", "16");

        AssertUserError(result, expected);
        Assert.False(File.Exists(Path.Combine(_folder, "out.png")));
    }

    [Fact]
    public void Apply_UnsupportedOutputFormat_FailsBeforeDoingAnyWork()
    {
        var result = Run("apply", WritePhoto("photo.png", 16, 16), "-o", Path.Combine(_folder, "out.xyz"),
            "--model", WriteModel());

        AssertUserError(result, "no supported image format");
        Assert.False(File.Exists(Path.Combine(_folder, "out.xyz")));
    }

    [Fact]
    public void Apply_IntensityOutOfRange_PrintsOneLine()
    {
        var result = Run("apply", WritePhoto("photo.png", 16, 16), "-o", Path.Combine(_folder, "out.png"),
            "--model", WriteModel(), "--intensity", "3");

        AssertUserError(result, "--intensity");
    }

    [ReferenceFact("reference/tinybeauty-official/style1.pt", "reference/tinybeauty-official/examples/01.png")]
    public void Apply_OfficialCheckpoint_WritesPhoto()
    {
        var output = Path.Combine(_folder, "made-up.png");

        var result = Run("apply", ReferenceData.Official("examples/01.png"), "-o", output,
            "--model", ReferenceData.Official("style1.pt"));

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(output));
    }

    [ReferenceFact("data/faces/astronaut.png")]
    public void Apply_PerFace_ChangesTheFaceRegionAndLeavesTheCornersAlone()
    {
        var output = Path.Combine(_folder, "made-up.png");
        var photo = ReferenceData.Path("data/faces/astronaut.png");

        var result = Run("apply", photo, "-o", output, "--model", WriteModel(), "--size", "64", "--per-face");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("1 face", result.Output, StringComparison.Ordinal);
        using var before = Image.Load<Rgb24>(photo);
        using var after = Image.Load<Rgb24>(output);
        Assert.Equal(before[5, 5], after[5, 5]);
        Assert.Equal(before[506, 506], after[506, 506]);
        Assert.NotEqual(before[224, 128], after[224, 128]);
    }

    [Fact]
    public void Apply_PerFaceOnPhotoWithoutFace_PrintsOneLineAndWritesNothing()
    {
        var result = Run("apply", WritePhoto("noise.png", 64, 64), "-o", Path.Combine(_folder, "out.png"),
            "--model", WriteModel(), "--size", "16", "--per-face");

        AssertUserError(result, "no face found");
        Assert.False(File.Exists(Path.Combine(_folder, "out.png")));
    }

    private static void AssertUserError(ProcessResult result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    private string[] FilesInFolder() =>
        Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private string WritePhoto(string name, int width, int height)
    {
        var path = Path.Combine(_folder, name);
        using var image = new Image<Rgb24>(width, height);
        var random = new Random(width * 31 + height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (ref var pixel in rows.GetRowSpan(y))
                {
                    pixel = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                }
            }
        });
        image.Save(path);
        return path;
    }

    private string WriteModel()
    {
        var path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, OnnxExporter.ExportToBytes(RandomWeights(), s_smallNetwork));
        return path;
    }

    private static StateDictionary RandomWeights()
    {
        var random = new Random(17);
        var weights = new StateDictionary();
        foreach (var (name, shape) in s_smallNetwork.DescribeParameters())
        {
            var data = new float[shape.Aggregate(1, (product, dimension) => product * dimension)];
            for (var index = 0; index < data.Length; index++)
            {
                data[index] = (random.NextSingle() - 0.5f) * 0.3f;
            }

            weights.Add(new NamedTensor(name, shape, data));
        }

        return weights;
    }
}
