using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Core;
using TinyBeauty.Onnx;

namespace TinyBeauty.Cli;

/// <summary>
/// <c>bench --model &lt;file&gt;</c>: times each step of the photo path (decoding excluded) on a synthetic photo,
/// per inference size, and reports medians.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model to time.", Required = true };
        var imageSize = new Option<int>("--image-size")
        {
            Description = "Side of the square synthetic photo.",
            DefaultValueFactory = _ => 1024,
        };
        var sizes = new Option<string>("--sizes")
        {
            Description = "Comma-separated inference sizes.",
            DefaultValueFactory = _ => "128,256",
        };
        var iterations = new Option<int>("--iterations")
        {
            Description = "Timed runs per step, after a warm-up.",
            DefaultValueFactory = _ => 20,
        };
        var threads = new Option<int>("--threads")
        {
            Description = "ONNX Runtime threads; 0 lets it choose.",
            DefaultValueFactory = _ => 0,
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of a table." };
        var profile = new Option<bool>("--profile")
        {
            Description = "Also run ONNX Runtime's profiler and report kernel time per operator type.",
        };

        var command = new Command("bench", "Time the photo path per inference size.")
        {
            model, imageSize, sizes, iterations, threads, json, profile,
        };
        command.SetAction(result => CliRunner.Run(cancellation => Execute(
            result.GetRequiredValue(model),
            result.GetValue(imageSize),
            ParseSizes(result.GetRequiredValue(sizes)),
            result.GetValue(iterations),
            result.GetValue(threads),
            result.GetValue(json),
            result.GetValue(profile),
            cancellation)));
        return command;
    }

    private static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (var index = 0; index < parts.Length; index++)
        {
            if (!int.TryParse(parts[index], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[index])
                || sizes[index] < 4 || sizes[index] % 4 != 0)
            {
                throw new CliException($"--sizes: '{parts[index]}' is not a positive multiple of 4");
            }
        }

        return sizes.Length > 0 ? sizes : throw new CliException("--sizes names no size");
    }

    private static int Execute(
        string modelPath,
        int imageSize,
        int[] sizes,
        int iterations,
        int threads,
        bool json,
        bool profile,
        CancellationToken cancellation)
    {
        if (imageSize < 1 || iterations < 1)
        {
            throw new CliException("--image-size and --iterations must be positive");
        }

        var onnx = ModelFiles.LoadAsOnnx(modelPath);
        var photo = SyntheticPhoto(imageSize);
        var output = new byte[photo.Length];
        var rows = new List<BenchRow>();

        foreach (var size in sizes)
        {
            cancellation.ThrowIfCancellationRequested();
            var row = Measure(onnx, photo, output, imageSize, size, iterations, threads);
            rows.Add(profile ? row with { ProfileMs = Profile(onnx, size, iterations, threads) } : row);
            if (!json)
            {
                Console.Error.WriteLine($"measured inference size {size}");
            }
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, BenchJsonContext.Default.ListBenchRow));
        }
        else
        {
            PrintTable(rows);
        }

        if (profile && !json)
        {
            PrintProfiles(rows);
        }

        return 0;
    }

    private static BenchRow Measure(
        byte[] onnx, byte[] photo, byte[] output, int imageSize, int size, int iterations, int threads)
    {
        var options = new MakeupSessionOptions { InferenceSize = size, IntraOpThreads = threads };
        using var session = MakeupSession.Load(onnx, options);
        var input = new float[3 * size * size];
        var residual = new float[3 * size * size];

        var resize = Time(iterations, () => ImageNormalization.ResizeToPlanarRgb(
            new ReadOnlyImageView(photo, imageSize, imageSize, PixelLayout.Rgb24),
            new PlanarTensorView(input, 3, size, size)));
        var inference = Time(iterations, () => session.Predict(
            new ReadOnlyPlanarTensorView(input, 3, size, size), new PlanarTensorView(residual, 3, size, size)));
        var apply = Time(iterations, () => ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, size, size),
            new ReadOnlyImageView(photo, imageSize, imageSize, PixelLayout.Rgb24),
            new ImageView(output, imageSize, imageSize, PixelLayout.Rgb24)));
        var applyScalar = Time(iterations, () => ResidualApplier.ApplyScalar(
            new ReadOnlyPlanarTensorView(residual, 3, size, size),
            new ReadOnlyImageView(photo, imageSize, imageSize, PixelLayout.Rgb24),
            new ImageView(output, imageSize, imageSize, PixelLayout.Rgb24)));
        var total = Time(iterations, () => session.Apply(
            new ReadOnlyImageView(photo, imageSize, imageSize, PixelLayout.Rgb24),
            new ImageView(output, imageSize, imageSize, PixelLayout.Rgb24)));
        var bare = TimeBareInference(onnx, input, residual, size, iterations, threads);

        return new BenchRow(size, $"{imageSize}x{imageSize}", resize, inference, apply, total, bare, applyScalar);
    }

    /// <summary>Times ONNX Runtime's own run on a ready input tensor, with no TinyBeauty code around it.</summary>
    private static double TimeBareInference(
        byte[] onnx, float[] input, float[] residual, int size, int iterations, int threads)
    {
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(onnx, sessionOptions);
        using var runOptions = new RunOptions();
        long[] shape = [1, 3, size, size];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(residual, shape);
        string[] inputNames = [session.InputMetadata.Keys.First()];
        string[] outputNames = [session.OutputMetadata.Keys.First()];
        OrtValue[] inputs = [inputValue];
        OrtValue[] outputs = [outputValue];
        return Time(iterations, () => session.Run(runOptions, inputNames, inputs, outputNames, outputs));
    }

    /// <summary>
    /// Runs the model under ONNX Runtime's profiler and returns the kernel time per operator type, in milliseconds
    /// per inference, largest first.
    /// </summary>
    private static Dictionary<string, double> Profile(byte[] onnx, int size, int iterations, int threads)
    {
        var prefix = Path.Combine(Path.GetTempPath(), $"tinybeauty-profile-{Environment.ProcessId}");
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            EnableProfiling = true,
            ProfileOutputPathPrefix = prefix,
        };
        using var session = new InferenceSession(onnx, sessionOptions);
        using var runOptions = new RunOptions();
        long[] shape = [1, 3, size, size];
        using var input = OrtValue.CreateTensorValueFromMemory(new float[3 * size * size], shape);
        using var output = OrtValue.CreateTensorValueFromMemory(new float[3 * size * size], shape);
        string[] inputNames = [session.InputMetadata.Keys.First()];
        string[] outputNames = [session.OutputMetadata.Keys.First()];
        for (var run = 0; run < iterations; run++)
        {
            session.Run(runOptions, inputNames, [input], outputNames, [output]);
        }

        var file = session.EndProfiling();
        try
        {
            var totals = new Dictionary<string, double>();
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var isKernel = item.GetProperty("cat").GetString() == "Node"
                    && item.GetProperty("name").GetString()?.EndsWith("_kernel_time", StringComparison.Ordinal) == true;
                if (isKernel)
                {
                    var operatorType = item.GetProperty("args").GetProperty("op_name").GetString() ?? "?";
                    var microseconds = item.GetProperty("dur").GetDouble();
                    totals[operatorType] = totals.GetValueOrDefault(operatorType) + microseconds;
                }
            }

            return totals
                .OrderByDescending(pair => pair.Value)
                .ToDictionary(pair => pair.Key, pair => Math.Round(pair.Value / iterations / 1000, 3));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void PrintProfiles(List<BenchRow> rows)
    {
        foreach (var row in rows)
        {
            var total = row.ProfileMs!.Values.Sum();
            Console.WriteLine();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture, $"kernel time per inference at {row.Size}: {total:0.###} ms"));
            foreach (var (operatorType, milliseconds) in row.ProfileMs)
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {operatorType,-24} {milliseconds,8:0.###} ms {100 * milliseconds / total,6:0.0}%"));
            }
        }
    }

    /// <summary>
    /// Warms an action up (at least 5 runs and 300 ms, so that the JIT's optimised code is in place), then times it
    /// and returns the median in milliseconds, rounded to microseconds.
    /// </summary>
    private static double Time(int iterations, Action action)
    {
        var warmUpStart = Stopwatch.GetTimestamp();
        for (var warmUp = 0; warmUp < 5 || Stopwatch.GetElapsedTime(warmUpStart).TotalMilliseconds < 300; warmUp++)
        {
            action();
        }

        var samples = new double[iterations];
        for (var index = 0; index < iterations; index++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        var median = iterations % 2 == 1
            ? samples[iterations / 2]
            : (samples[(iterations / 2) - 1] + samples[iterations / 2]) / 2;
        return Math.Round(median, 3);
    }

    /// <summary>A smooth, seeded photo-like test pattern (gradients plus mild noise).</summary>
    private static byte[] SyntheticPhoto(int size)
    {
        var random = new Random(1234);
        var pixels = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var offset = (y * size + x) * 3;
                pixels[offset] = (byte)Math.Clamp(96 + 120 * x / size + random.Next(-8, 9), 0, 255);
                pixels[offset + 1] = (byte)Math.Clamp(80 + 100 * y / size + random.Next(-8, 9), 0, 255);
                pixels[offset + 2] = (byte)Math.Clamp(70 + 60 * (x + y) / (2 * size) + random.Next(-8, 9), 0, 255);
            }
        }

        return pixels;
    }

    private static void PrintTable(List<BenchRow> rows)
    {
        Console.WriteLine(
            "size  image      resize_ms  inference_ms  apply_ms  total_ms  bare_inference_ms  apply_scalar_ms");
        foreach (var row in rows)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{row.Size,-5} {row.Image,-10} {row.ResizeMs,9:0.###} {row.InferenceMs,13:0.###} "
                + $"{row.ApplyMs,9:0.###} "
                + $"{row.TotalMs,9:0.###} {row.BareInferenceMs,18:0.###} {row.ApplyScalarMs,16:0.###}"));
        }
    }
}
