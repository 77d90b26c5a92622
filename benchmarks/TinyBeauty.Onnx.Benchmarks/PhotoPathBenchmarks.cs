using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Core;
using TinyBeauty.Model;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;

namespace TinyBeauty.Onnx.Benchmarks;

/// <summary>
/// The whole photo path (resize, normalise, infer, apply) of a 1024 x 1024 photo against ONNX Runtime's bare run
/// of the same model on a ready tensor, both in one run. The network has the official shape with seeded random
/// weights: its cost does not depend on the weights' values, and no reference file is needed.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("PhotoPath")]
public class PhotoPathBenchmarks
{
    private const int PhotoSize = 1024;

    private MakeupSession? _session;
    private InferenceSession? _bareSession;
    private RunOptions? _runOptions;
    private OrtValue? _inputValue;
    private OrtValue? _outputValue;
    private OrtValue[] _inputs = [];
    private OrtValue[] _outputs = [];
    private string[] _inputNames = [];
    private string[] _outputNames = [];
    private byte[] _photo = [];
    private float[] _input = [];
    private float[] _residual = [];
    private byte[] _output = [];

    /// <summary>Gets or sets the inference resolution.</summary>
    [Params(128, 256)]
    public int InferenceSize { get; set; }

    /// <summary>Gets or sets ONNX Runtime's intra-op thread count.</summary>
    [Params(2)]
    public int Threads { get; set; }

    /// <summary>Gets or sets whether ONNX Runtime's threads spin after a run (its default) or yield at once.</summary>
    [Params(true)]
    public bool Spinning { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = TinyBeautyNetOptions.Official;
        var model = OnnxExporter.ExportToBytes(RandomWeights(options, seed: 7), options);
        _session = MakeupSession.Load(
            model, new MakeupSessionOptions
            {
                InferenceSize = InferenceSize,
                IntraOpThreads = Threads,
                AllowThreadSpinning = Spinning,
            });

        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (!Spinning)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        _bareSession = new InferenceSession(model, sessionOptions);
        _runOptions = new RunOptions();
        long[] shape = [1, 3, InferenceSize, InferenceSize];
        _input = new float[3 * InferenceSize * InferenceSize];
        _residual = new float[_input.Length];
        _inputValue = OrtValue.CreateTensorValueFromMemory(new float[_input.Length], shape);
        _outputValue = OrtValue.CreateTensorValueFromMemory(new float[_input.Length], shape);
        _inputs = [_inputValue];
        _outputs = [_outputValue];
        _inputNames = [OnnxExporter.InputName];
        _outputNames = [OnnxExporter.OutputName];

        _photo = new byte[PhotoSize * PhotoSize * 3];
        new Random(11).NextBytes(_photo);
        _output = new byte[_photo.Length];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _bareSession?.Dispose();
        _runOptions?.Dispose();
        _inputValue?.Dispose();
        _outputValue?.Dispose();
    }

    /// <summary>ONNX Runtime's run alone, on a tensor that is already prepared.</summary>
    [Benchmark(Baseline = true)]
    public void BareInference() => _bareSession!.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    /// <summary>The session's inference alone, on a ready tensor (adds a copy in and out and a NaN check).</summary>
    [Benchmark]
    public void SessionPredict() => _session!.Predict(
        new ReadOnlyPlanarTensorView(_input, 3, InferenceSize, InferenceSize),
        new PlanarTensorView(_residual, 3, InferenceSize, InferenceSize));

    /// <summary>Resize and normalise the photo into the model's input.</summary>
    [Benchmark]
    public void Resize() => ImageNormalization.ResizeToPlanarRgb(
        new ReadOnlyImageView(_photo, PhotoSize, PhotoSize, PixelLayout.Rgb24),
        new PlanarTensorView(_input, 3, InferenceSize, InferenceSize));

    /// <summary>The fused upsample-and-apply of the residual at full resolution.</summary>
    [Benchmark]
    public void Apply() => ResidualApplier.Apply(
        new ReadOnlyPlanarTensorView(_residual, 3, InferenceSize, InferenceSize),
        new ReadOnlyImageView(_photo, PhotoSize, PhotoSize, PixelLayout.Rgb24),
        new ImageView(_output, PhotoSize, PhotoSize, PixelLayout.Rgb24));

    /// <summary>Everything between decoded pixels and made-up pixels.</summary>
    [Benchmark]
    public void PhotoPath() => _session!.Apply(
        new ReadOnlyImageView(_photo, PhotoSize, PhotoSize, PixelLayout.Rgb24),
        new ImageView(_output, PhotoSize, PhotoSize, PixelLayout.Rgb24));

    private static StateDictionary RandomWeights(TinyBeautyNetOptions options, int seed)
    {
        var random = new Random(seed);
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

        return weights;
    }
}
