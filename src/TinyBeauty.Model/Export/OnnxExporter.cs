using System.Globalization;
using System.Reflection;
using TinyBeauty.Model.Checkpoints;

namespace TinyBeauty.Model.Export;

/// <summary>
/// Writes a TinyBeauty network (the official BeautyREC architecture) as an ONNX model, in pure managed code: no
/// libtorch and no protobuf library are needed, so a checkpoint can be converted on any machine.
/// </summary>
/// <remarks>
/// <para>
/// The model has one input <c>input</c>, float32 <c>[batch, 3, height, width]</c> in [-1, 1], and one output
/// <c>residual</c>, float32 of the same shape in (-1, 1) (after the final tanh). Height and width must be
/// multiples of 4 (and at least 8); other sizes make ONNX Runtime fail at the skip concatenations. IR version 8,
/// default operator set 17, producer <c>TinyBeauty.Model</c>. Weights are float32 initializers (little-endian raw
/// data) named by their state-dictionary keys, except the folded upsampling weights of the default
/// <see cref="OnnxGraphStyle.Fast"/> layout (see there).
/// </para>
/// <para>
/// The graph computes what the official PyTorch code computes: reflection padding (<c>Pad</c>, mode reflect) before
/// every convolution, <c>InstanceNormalization</c> (eps 1e-5, no affine) in the encoder and residual blocks,
/// residual additions without activation, nearest 2x upsampling (<c>Resize</c>, asymmetric, floor, which equals
/// PyTorch's <c>nearest</c>) of <c>cat[skip, decoder]</c>, and the custom LayerNorm: per sample mean and unbiased
/// standard deviation over C x H x W, eps 1e-5 added to the standard deviation, then per-channel gamma and beta.
/// The divisor N - 1 is computed from the runtime shape, since height and width may be symbolic, and the statistics
/// are reduced one axis at a time to keep float32 sums short. With ONNX Runtime 1.32 on x64 the official checkpoint
/// reproduces the golden residual of the reference data to a maximum absolute error of 6.6e-7 (Fast) and 6.0e-7
/// (Plain).
/// </para>
/// <para>
/// Speed: the default <see cref="OnnxGraphStyle.Fast"/> layout ran 1.3x to 1.4x faster than
/// <see cref="OnnxGraphStyle.Plain"/> with ONNX Runtime 1.32 on the CPU (official network, 256 x 256, median of 50
/// runs, 2 threads: 112 ms to 82 ms on a busy two-core machine; details there). Convolutions take about half of the
/// time in both layouts; reflect <c>Pad</c> and the NCHWc reorder nodes that ONNX Runtime inserts around each
/// convolution take most of the rest.
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The name of the model's input.</summary>
    public const string InputName = "input";

    /// <summary>The name of the model's output.</summary>
    public const string OutputName = "residual";

    private const float NormEpsilon = 1e-5f;

    /// <summary>Exports the network to a stream, which is written but not disposed.</summary>
    /// <param name="weights">The network's weights, as <see cref="StateDictionary.ValidateFor"/> expects them.</param>
    /// <param name="options">
    /// The network's shape; <see cref="TinyBeautyNetOptions.Official"/> for the official weights.
    /// </param>
    /// <param name="destination">A writable stream.</param>
    /// <param name="exportOptions">Export options; null means <see cref="OnnxExportOptions.Default"/>.</param>
    /// <exception cref="InvalidDataException">
    /// A weight is missing, extra or misshaped; the message names it.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static void Export(
        StateDictionary weights,
        TinyBeautyNetOptions options,
        Stream destination,
        OnnxExportOptions? exportOptions = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var bytes = ExportToBytes(weights, options, exportOptions);
        destination.Write(bytes);
    }

    /// <summary>
    /// Exports the network to a file, writing a temporary file in the same folder first and then moving it over
    /// <paramref name="path"/>, so that no reader sees a partial model.
    /// </summary>
    /// <inheritdoc cref="Export(StateDictionary, TinyBeautyNetOptions, Stream, OnnxExportOptions?)"/>
    public static void Export(
        StateDictionary weights,
        TinyBeautyNetOptions options,
        string path,
        OnnxExportOptions? exportOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = ExportToBytes(weights, options, exportOptions);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Exports the network and returns the serialised ONNX model.</summary>
    /// <inheritdoc cref="Export(StateDictionary, TinyBeautyNetOptions, Stream, OnnxExportOptions?)"/>
    public static byte[] ExportToBytes(
        StateDictionary weights,
        TinyBeautyNetOptions options,
        OnnxExportOptions? exportOptions = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        exportOptions ??= OnnxExportOptions.Default;
        exportOptions.Validate();
        weights.ValidateFor(options);

        var builder = new NetworkBuilder(weights, options, exportOptions);
        return builder.Build();
    }

    private static string DefaultProducerVersion() =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Builds the BeautyREC graph node by node.</summary>
    private sealed class NetworkBuilder
    {
        private readonly OnnxGraph _graph = new();
        private readonly StateDictionary _weights;
        private readonly TinyBeautyNetOptions _options;
        private readonly OnnxExportOptions _exportOptions;

        public NetworkBuilder(StateDictionary weights, TinyBeautyNetOptions options, OnnxExportOptions exportOptions)
        {
            _weights = weights;
            _options = options;
            _exportOptions = exportOptions;
        }

        public byte[] Build()
        {
            OnnxDimension[] shape =
            [
                new(_exportOptions.BatchSize, "batch"),
                new(TinyBeautyNetOptions.ImageChannels, "channels"),
                new(_exportOptions.InputHeight, "height"),
                new(_exportOptions.InputWidth, "width"),
            ];
            var input = _graph.AddInput(InputName, shape);

            // Encoder: c0 at full size, c1 at 1/2, c2 at 1/4, then the content residual blocks.
            var c0 = Relu(InstanceNorm(Conv(input, "content_encoder.conv_first", 7, 1, 3)));
            var c1 = Relu(InstanceNorm(Conv(c0, "content_encoder.down1", 4, 2, 1)));
            var c2 = Relu(InstanceNorm(Conv(c1, "content_encoder.down2", 4, 2, 1)));
            var c3 = ResidualBlocks(c2, "content_encoder.resblocks", _options.EncoderResidualBlocks);

            // Decoder: residual blocks, then two upsampling stages that each take [skip, decoder] on channels.
            var r = ResidualBlocks(c3, "res", _options.DecoderResidualBlocks);
            var u1 = UpsamplingStage(c2, r, "upconv1");
            var u2 = UpsamplingStage(c1, u1, "upconv2");
            var output = Conv(u2, "out", 3, 1, 1);
            _graph.AddNode("Tanh", [output], OutputName);
            _graph.AddOutput(OutputName, shape);

            var version = _exportOptions.ProducerVersion ?? DefaultProducerVersion();
            var doc = $"TinyBeauty (BeautyREC) network, width {_options.Width}, "
                + $"{_options.EncoderResidualBlocks}+{_options.DecoderResidualBlocks} residual blocks.";
            var metadata = _exportOptions.InferenceSize is { } size
                ? [KeyValuePair.Create(OnnxExportOptions.InferenceSizeKey, size.ToString(CultureInfo.InvariantCulture))]
                : Array.Empty<KeyValuePair<string, string>>();
            return _graph.ToModel("tinybeauty", version, doc, metadata);
        }

        private string ResidualBlocks(string x, string prefix, int count)
        {
            for (var block = 0; block < count; block++)
            {
                var scope = $"{prefix}.model.{block}";
                var hidden = Relu(InstanceNorm(Conv(x, $"{scope}.model.0", 3, 1, 1)));
                var body = InstanceNorm(Conv(hidden, $"{scope}.model.1", 3, 1, 1));
                x = _graph.AddNode("Add", [x, body], $"{scope}.add");
            }

            return x;
        }

        private string UpsamplingStage(string skip, string decoder, string prefix)
        {
            var joined = _graph.AddNode("Concat", [skip, decoder], $"{prefix}.concat", OnnxAttribute.Of("axis", 1L));
            if (_exportOptions.GraphStyle == OnnxGraphStyle.Fast)
            {
                return Relu(FastLayerNorm(PhaseConv(joined, prefix), $"{prefix}.norm"));
            }

            var upsampled = _graph.AddNode(
                "Resize",
                [joined, "", Constant("tinybeauty.upsample_scales", [1f, 1f, 2f, 2f])],
                $"{prefix}.upsample",
                OnnxAttribute.Of("mode", "nearest"),
                OnnxAttribute.Of("coordinate_transformation_mode", "asymmetric"),
                OnnxAttribute.Of("nearest_mode", "floor"));
            var convolved = Conv(upsampled, prefix, 3, 1, 1);
            return Relu(LayerNorm(convolved, $"{prefix}.norm"));
        }

        private string PhaseConv(string x, string prefix)
        {
            // conv3x3(reflectpad1(up2x(x))) at output pixel (2i + a, 2j + b) reads up2x rows 2i + a - 1 .. 2i + a + 1,
            // which are source rows {i - 1, i, i} for a = 0 and {i, i, i + 1} for a = 1, clamped at the borders
            // (reflection of a duplicated edge row is the edge row); the same holds for columns. So pad the source by
            // 1 with its edge values and run one 2x2 convolution with four output phases: phase (a, b) sums kernel
            // rows (w0, w1 + w2) for a = 0 or (w0 + w1, w2) for a = 1, and likewise columns for b. Phase (a, b) is
            // valid from padded row a and column b, so each is cropped to H x W before the phases are interleaved.
            var weight = _weights[$"{prefix}.conv.weight"];
            var bias = _weights[$"{prefix}.conv.bias"];
            var outputs = weight.Shape[0];
            var (phaseWeight, phaseBias) = FoldPhases(weight, bias);
            var weightName = _graph.AddInitializer(
                $"{prefix}.conv.weight.phases",
                [4L * outputs, weight.Shape[1], 2, 2],
                phaseWeight);
            var biasName = _graph.AddInitializer($"{prefix}.conv.bias.phases", [4L * outputs], phaseBias);

            var padded = _graph.AddNode(
                "Pad",
                [x, PadsConstant(1)],
                $"{prefix}.pad_edge",
                OnnxAttribute.Of("mode", "edge"));
            var phases = _graph.AddNode(
                "Conv",
                [padded, weightName, biasName],
                $"{prefix}.conv_phases",
                OnnxAttribute.Of("kernel_shape", 2L, 2L),
                OnnxAttribute.Of("strides", 1L, 1L),
                OnnxAttribute.Of("pads", 0L, 0L, 0L, 0L));

            // Interleave with cheap copies (ONNX Runtime's DepthToSpace was the slowest node of the graph): crop
            // each phase to H x W, stack the two column phases on a new axis 1 and move it innermost (a single-axis
            // Transpose), giving rows of 2W; then stack the two row phases on a new axis 3 (copies of whole rows).
            var rows = new string[2];
            for (var a = 0; a < 2; a++)
            {
                var columns = new string[2];
                for (var b = 0; b < 2; b++)
                {
                    var phase = (a * 2) + b;
                    var starts = Int64Constant($"tinybeauty.phase_starts_{outputs}_{phase}", phase * outputs, a, b);
                    var ends = Int64Constant(
                        $"tinybeauty.phase_ends_{outputs}_{phase}",
                        (phase + 1) * outputs,
                        a == 0 ? -1 : long.MaxValue,
                        b == 0 ? -1 : long.MaxValue);
                    var cropped = _graph.AddNode(
                        "Slice",
                        [phases, starts, ends, Int64Constant("tinybeauty.axes_chw", 1, 2, 3)],
                        $"{prefix}.phase_{a}{b}");
                    columns[b] = _graph.AddNode(
                        "Unsqueeze",
                        [cropped, Int64Constant("tinybeauty.axis_1", 1)],
                        $"{prefix}.phase_{a}{b}.stack");
                }

                var stacked = _graph.AddNode(
                    "Concat",
                    columns,
                    $"{prefix}.row_{a}.stack",
                    OnnxAttribute.Of("axis", 1L));
                var interleaved = _graph.AddNode(
                    "Transpose",
                    [stacked],
                    $"{prefix}.row_{a}.interleave",
                    OnnxAttribute.Of("perm", 0L, 2L, 3L, 4L, 1L));
                var flat = _graph.AddNode(
                    "Reshape",
                    [interleaved, Int64Constant("tinybeauty.merge_last_two", 0, 0, 0, -1)],
                    $"{prefix}.row_{a}");
                rows[a] = _graph.AddNode(
                    "Unsqueeze",
                    [flat, Int64Constant("tinybeauty.axis_3", 3)],
                    $"{prefix}.row_{a}.stack");
            }

            var joined = _graph.AddNode("Concat", rows, $"{prefix}.rows", OnnxAttribute.Of("axis", 3L));
            var rowShape = _graph.AddNode("Shape", [joined], $"{prefix}.rows.shape");
            var width = _graph.AddNode(
                "Slice",
                [rowShape, Int64Constant("tinybeauty.four", 4), Int64Constant("tinybeauty.five", 5)],
                $"{prefix}.rows.width");
            var target = _graph.AddNode(
                "Concat",
                [Int64Constant("tinybeauty.keep_two_merge", 0, 0, -1), width],
                $"{prefix}.output_shape",
                OnnxAttribute.Of("axis", 0L));
            return _graph.AddNode("Reshape", [joined, target], $"{prefix}.interleave");
        }

        private static (float[] Weight, float[] Bias) FoldPhases(NamedTensor weight, NamedTensor bias)
        {
            // The 3x3 kernel rows (or columns) that each tap of a phase sums: phase 0 -> {0}, {1, 2};
            // phase 1 -> {0, 1}, {2}. Sums are formed in double and rounded once.
            int[][][] taps = [[[0], [1, 2]], [[0, 1], [2]]];
            var (outputs, inputs) = (weight.Shape[0], weight.Shape[1]);
            var folded = new float[4 * outputs * inputs * 4];
            var foldedBias = new float[4 * outputs];
            for (var phase = 0; phase < 4; phase++)
            {
                var (a, b) = (phase / 2, phase % 2);
                for (var o = 0; o < outputs; o++)
                {
                    foldedBias[(phase * outputs) + o] = bias.Data[o];
                    for (var i = 0; i < inputs; i++)
                    {
                        var source = ((o * inputs) + i) * 9;
                        var target = ((((phase * outputs) + o) * inputs) + i) * 4;
                        for (var t = 0; t < 2; t++)
                        {
                            for (var u = 0; u < 2; u++)
                            {
                                double sum = 0;
                                foreach (var row in taps[a][t])
                                {
                                    foreach (var column in taps[b][u])
                                    {
                                        sum += weight.Data[source + (row * 3) + column];
                                    }
                                }

                                folded[target + (t * 2) + u] = (float)sum;
                            }
                        }
                    }
                }
            }

            return (folded, foldedBias);
        }

        private string Conv(string x, string prefix, int kernel, int stride, int padding)
        {
            var padded = _graph.AddNode(
                "Pad",
                [x, PadsConstant(padding)],
                $"{prefix}.pad",
                OnnxAttribute.Of("mode", "reflect"));
            return _graph.AddNode(
                "Conv",
                [padded, Weight($"{prefix}.conv.weight"), Weight($"{prefix}.conv.bias")],
                $"{prefix}.conv",
                OnnxAttribute.Of("kernel_shape", kernel, kernel),
                OnnxAttribute.Of("strides", stride, stride),
                OnnxAttribute.Of("pads", 0L, 0L, 0L, 0L));
        }

        private string InstanceNorm(string x)
        {
            var width = _options.Width;
            var scale = Constant("tinybeauty.instance_norm.scale", Enumerable.Repeat(1f, width).ToArray());
            var bias = Constant("tinybeauty.instance_norm.bias", new float[width]);
            return _graph.AddNode(
                "InstanceNormalization",
                [x, scale, bias],
                $"{x}.instance_norm",
                OnnxAttribute.Of("epsilon", NormEpsilon));
        }

        private string Relu(string x) => _graph.AddNode("Relu", [x], $"{x}.relu");

        private string LayerNorm(string x, string prefix)
        {
            // Mean and unbiased variance over C x H x W of each sample, N taken from the runtime shape.
            var mean = ReduceChw("ReduceMean", x, $"{prefix}.mean");
            var centred = _graph.AddNode("Sub", [x, mean], $"{prefix}.centred");
            var squared = _graph.AddNode("Mul", [centred, centred], $"{prefix}.squared");
            var sum = ReduceChw("ReduceSum", squared, $"{prefix}.sum");
            var divisor = UnbiasedDivisor(x, prefix);
            var variance = _graph.AddNode("Div", [sum, divisor], $"{prefix}.variance");
            var std = _graph.AddNode("Sqrt", [variance], $"{prefix}.std");
            var denominator = _graph.AddNode(
                "Add",
                [std, Constant("tinybeauty.norm_epsilon", [NormEpsilon], [])],
                $"{prefix}.std_eps");
            var normalised = _graph.AddNode("Div", [centred, denominator], $"{prefix}.normalised");

            // Per-channel affine: gamma and beta are [C]; reshape them to [C, 1, 1] to broadcast over H x W.
            var channelShape = Int64Constant("tinybeauty.channel_shape", -1, 1, 1);
            var gamma = _graph.AddNode("Reshape", [Weight($"{prefix}.gamma"), channelShape], $"{prefix}.gamma_chw");
            var beta = _graph.AddNode("Reshape", [Weight($"{prefix}.beta"), channelShape], $"{prefix}.beta_chw");
            var scaled = _graph.AddNode("Mul", [normalised, gamma], $"{prefix}.scaled");
            return _graph.AddNode("Add", [scaled, beta], $"{prefix}.out");
        }

        private string FastLayerNorm(string x, string prefix)
        {
            // Same statistics as LayerNorm, but the per-channel factor gamma / (std + eps) is formed on [N, C, 1, 1]
            // first, so the full-size tensor sees one Mul and one Add (ReduceSumSquare also avoids a squared copy).
            var mean = ReduceChw("ReduceMean", x, $"{prefix}.mean");
            var centred = _graph.AddNode("Sub", [x, mean], $"{prefix}.centred");
            var sum = _graph.AddNode(
                "ReduceSumSquare",
                [centred],
                $"{prefix}.sum",
                OnnxAttribute.Of("axes", [3L]),
                OnnxAttribute.Of("keepdims", 1L));
            foreach (var axis in new long[] { 2, 1 })
            {
                sum = _graph.AddNode(
                    "ReduceSum",
                    [sum, Int64Constant($"tinybeauty.axis_{axis}", axis)],
                    $"{prefix}.sum",
                    OnnxAttribute.Of("keepdims", 1L));
            }
            var variance = _graph.AddNode("Div", [sum, UnbiasedDivisor(x, prefix)], $"{prefix}.variance");
            var std = _graph.AddNode("Sqrt", [variance], $"{prefix}.std");
            var denominator = _graph.AddNode(
                "Add",
                [std, Constant("tinybeauty.norm_epsilon", [NormEpsilon], [])],
                $"{prefix}.std_eps");
            var channelShape = Int64Constant("tinybeauty.channel_shape", -1, 1, 1);
            var gamma = _graph.AddNode("Reshape", [Weight($"{prefix}.gamma"), channelShape], $"{prefix}.gamma_chw");
            var beta = _graph.AddNode("Reshape", [Weight($"{prefix}.beta"), channelShape], $"{prefix}.beta_chw");
            var factor = _graph.AddNode("Div", [gamma, denominator], $"{prefix}.factor");
            var scaled = _graph.AddNode("Mul", [centred, factor], $"{prefix}.scaled");
            return _graph.AddNode("Add", [scaled, beta], $"{prefix}.out");
        }

        private string ReduceChw(string opType, string x, string name)
        {
            // Reduce W, then H, then C. ONNX Runtime sums one long run in float32 with a single accumulator, so a
            // flat reduction over all C x H x W values (1.5 million at 256 x 256) drifted by up to 3.5e-5 in the
            // final residual; reducing one axis at a time keeps every run short and the result within 6e-7.
            foreach (var axis in new long[] { 3, 2, 1 })
            {
                x = opType == "ReduceSum"
                    ? _graph.AddNode(
                        opType,
                        [x, Int64Constant($"tinybeauty.axis_{axis}", axis)],
                        name,
                        OnnxAttribute.Of("keepdims", 1L))
                    : _graph.AddNode(
                        opType,
                        [x],
                        name,
                        OnnxAttribute.Of("axes", [axis]),
                        OnnxAttribute.Of("keepdims", 1L));
            }

            return x;
        }

        private string UnbiasedDivisor(string x, string prefix)
        {
            // N - 1 with N = C * H * W, as float; a constant when the size is fixed at export time.
            if (_exportOptions.InputHeight is { } height && _exportOptions.InputWidth is { } width)
            {
                var scale = prefix.StartsWith("upconv1", StringComparison.Ordinal) ? 2 : 1;
                var values = (long)_options.Width * (height / scale) * (width / scale);
                return Constant($"{prefix}.count_minus_one", [values - 1f], []);
            }

            var shape = _graph.AddNode("Shape", [x], $"{prefix}.shape");
            var chw = _graph.AddNode(
                "Slice",
                [shape, Int64Constant("tinybeauty.one", 1), Int64Constant("tinybeauty.four", 4)],
                $"{prefix}.shape_chw");
            var count = _graph.AddNode(
                "ReduceProd",
                [chw],
                $"{prefix}.count",
                OnnxAttribute.Of("keepdims", 0L));
            var countFloat = _graph.AddNode(
                "Cast",
                [count],
                $"{prefix}.count_float",
                OnnxAttribute.Of("to", (long)OnnxGraph.Float32Type));
            return _graph.AddNode(
                "Sub",
                [countFloat, Constant("tinybeauty.one_float", [1f], [])],
                $"{prefix}.count_minus_one");
        }

        private string Weight(string key)
        {
            if (!_graph.Has(key))
            {
                var tensor = _weights[key];
                _graph.AddInitializer(key, tensor.Shape.Select(dimension => (long)dimension).ToArray(), tensor.Data);
            }

            return key;
        }

        private string Constant(string name, float[] values, long[]? dims = null)
        {
            if (!_graph.Has(name))
            {
                _graph.AddInitializer(name, dims ?? [values.Length], values);
            }

            return name;
        }

        private string Int64Constant(string name, params long[] values)
        {
            if (!_graph.Has(name))
            {
                _graph.AddInt64Initializer(name, values);
            }

            return name;
        }

        private string PadsConstant(int padding) =>
            Int64Constant($"tinybeauty.reflect_pads_{padding}", 0, 0, padding, padding, 0, 0, padding, padding);
    }
}
