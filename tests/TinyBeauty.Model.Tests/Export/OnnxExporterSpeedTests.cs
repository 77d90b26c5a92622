using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;
using TinyBeauty.Testing;
using Xunit.Abstractions;

namespace TinyBeauty.Model.Tests.Export;

/// <summary>
/// Measures the exported graphs with ONNX Runtime on the official checkpoint at 256 x 256. These are measurements,
/// not checks: they run only when TINYBEAUTY_SPEED=1 is set, and print their results. TINYBEAUTY_THREADS sets the
/// intra-op thread count (default 2).
/// </summary>
public sealed class OnnxExporterSpeedTests(ITestOutputHelper output)
{
    private const int Warmup = 10;
    private const int Runs = 50;

    private static readonly (string Name, OnnxExportOptions Options)[] s_variants =
    [
        ("Plain", new OnnxExportOptions { GraphStyle = OnnxGraphStyle.Plain }),
        ("Fast", new OnnxExportOptions { GraphStyle = OnnxGraphStyle.Fast }),
        ("Fast, fixed 1x3x256x256", new OnnxExportOptions { BatchSize = 1, InputHeight = 256, InputWidth = 256 }),
    ];

    [SpeedFact]
    public void Profile_GraphVariants_PrintsTimePerOperatorType()
    {
        foreach (var (style, exportOptions) in s_variants)
        {
            var prefix = Path.Combine(Path.GetTempPath(), "tinybeauty-profile");
            using var options = CreateOptions();
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = prefix;
            using var session = new InferenceSession(Export(exportOptions), options);
            var inputs = Inputs();
            for (var run = 0; run < Runs; run++)
            {
                using var result = session.Run(inputs);
            }

            var file = session.EndProfiling();
            var totals = new Dictionary<string, (double Microseconds, int Nodes)>();
            using (var document = JsonDocument.Parse(File.ReadAllText(file)))
            {
                foreach (var item in document.RootElement.EnumerateArray())
                {
                    if (item.GetProperty("cat").GetString() != "Node"
                        || item.GetProperty("name").GetString()?.EndsWith("_kernel_time", StringComparison.Ordinal)
                            != true)
                    {
                        continue;
                    }

                    var op = item.GetProperty("args").GetProperty("op_name").GetString()!;
                    var total = totals.GetValueOrDefault(op);
                    totals[op] = (total.Microseconds + item.GetProperty("dur").GetDouble(), total.Nodes + 1);
                }
            }

            File.Delete(file);
            var all = totals.Values.Sum(total => total.Microseconds);
            output.WriteLine($"{style}: {all / Runs / 1000:F2} ms of kernel time per run");
            foreach (var (op, (microseconds, nodes)) in totals.OrderByDescending(pair => pair.Value.Microseconds))
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {op,-22} {microseconds / Runs / 1000,7:F2} ms {100 * microseconds / all,5:F1}% "
                    + $"{nodes / Runs,3} nodes"));
            }
        }
    }

    [SpeedFact]
    public void Time_GraphVariants_PrintsMedianMilliseconds()
    {
        // Runs alternate between the sessions so that background load affects all of them alike.
        var styles = s_variants.Select(variant => variant.Name).ToArray();
        using var options = CreateOptions();
        var sessions = s_variants.Select(variant => new InferenceSession(Export(variant.Options), options)).ToArray();
        try
        {
            var inputs = Inputs();
            var times = styles.Select(_ => new List<double>()).ToArray();
            for (var run = 0; run < Warmup + Runs; run++)
            {
                for (var index = 0; index < sessions.Length; index++)
                {
                    var stopwatch = Stopwatch.StartNew();
                    using var result = sessions[index].Run(inputs);
                    if (run >= Warmup)
                    {
                        times[index].Add(stopwatch.Elapsed.TotalMilliseconds);
                    }
                }
            }

            for (var index = 0; index < styles.Length; index++)
            {
                times[index].Sort();
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{styles[index]}: median {times[index][Runs / 2]:F2} ms, min {times[index][0]:F2} ms, "
                    + $"{options.IntraOpNumThreads} threads, {Runs} runs"));
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    private static SessionOptions CreateOptions()
    {
        var threads = Environment.GetEnvironmentVariable("TINYBEAUTY_THREADS");
        return new SessionOptions
        {
            IntraOpNumThreads = threads is null ? 2 : int.Parse(threads, CultureInfo.InvariantCulture),
        };
    }

    private static byte[] Export(OnnxExportOptions exportOptions)
    {
        var weights = PyTorchCheckpoint.Load(ReferenceData.Official("style1.pt"));
        return OnnxExporter.ExportToBytes(weights, TinyBeautyNetOptions.Official, exportOptions);
    }

    private static NamedOnnxValue[] Inputs()
    {
        var input = ReferenceData.ReadFloat32(ReferenceData.Official("input_style1_01_1x3x256x256.f32"));
        return [NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, [1, 3, 256, 256]))];
    }

    /// <summary>A fact that runs only when TINYBEAUTY_SPEED=1 and the official checkpoint is present.</summary>
    private sealed class SpeedFactAttribute : FactAttribute
    {
        public SpeedFactAttribute()
        {
            var missing = ReferenceData.MissingReason("reference/tinybeauty-official/style1.pt");
            if (Environment.GetEnvironmentVariable("TINYBEAUTY_SPEED") != "1")
            {
                Skip = "Speed measurement: set TINYBEAUTY_SPEED=1 to run it.";
            }
            else if (missing is not null)
            {
                Skip = "Needs reference data: " + missing;
            }
        }
    }
}
