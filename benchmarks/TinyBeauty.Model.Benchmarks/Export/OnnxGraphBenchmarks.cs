using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;

namespace TinyBeauty.Model.Benchmarks.Export;

/// <summary>
/// ONNX Runtime's inference time for the two exported graph styles of the official network at 256 x 256: the
/// plain graph, a node-for-node transcription, against the default graph that folds each upsample into a
/// phase convolution. Seeded random weights: the cost does not depend on the values.
/// </summary>
[BenchmarkCategory("Export")]
public class OnnxGraphBenchmarks
{
    private const int Size = 256;

    private InferenceSession? _session;
    private RunOptions? _runOptions;
    private OrtValue? _input;
    private OrtValue? _output;

    /// <summary>Gets or sets the graph style under test.</summary>
    [Params(OnnxGraphStyle.Plain, OnnxGraphStyle.Fast)]
    public OnnxGraphStyle Style { get; set; }

    /// <summary>Gets or sets ONNX Runtime's intra-op thread count.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = TinyBeautyNetOptions.Official;
        var random = new Random(5);
        var weights = new StateDictionary();
        foreach (var (name, shape) in options.DescribeParameters())
        {
            var values = new float[shape.Aggregate(1, (product, dimension) => product * dimension)];
            for (var index = 0; index < values.Length; index++)
            {
                values[index] = (random.NextSingle() - 0.5f) * 0.2f;
            }

            weights.Add(new NamedTensor(name, shape, values));
        }

        var model = OnnxExporter.ExportToBytes(weights, options, new OnnxExportOptions { GraphStyle = Style });
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = Threads, InterOpNumThreads = 1 };
        _session = new InferenceSession(model, sessionOptions);
        _runOptions = new RunOptions();
        var input = new float[3 * Size * Size];
        for (var index = 0; index < input.Length; index++)
        {
            input[index] = random.NextSingle() * 2 - 1;
        }

        long[] inputShape = [1, 3, Size, Size];
        _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        _output = OrtValue.CreateTensorValueFromMemory(new float[input.Length], inputShape);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _runOptions?.Dispose();
        _input?.Dispose();
        _output?.Dispose();
    }

    [Benchmark]
    public void Inference() => _session!.Run(
        _runOptions, [OnnxExporter.InputName], [_input!], [OnnxExporter.OutputName], [_output!]);
}
