using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Export;

/// <summary>
/// The exported ONNX model, run by ONNX Runtime, against the TorchSharp network with the same weights: both
/// graph styles, several network shapes, non-square inputs and batches. No reference files are needed.
/// </summary>
public sealed class OnnxTorchParityTests
{
    public static TheoryData<int, int, int, OnnxGraphStyle, int, int, int> Cases() => new()
    {
        { 24, 2, 2, OnnxGraphStyle.Fast, 1, 64, 64 },
        { 24, 2, 2, OnnxGraphStyle.Plain, 1, 64, 64 },
        { 8, 1, 3, OnnxGraphStyle.Fast, 2, 48, 80 },
        { 8, 0, 1, OnnxGraphStyle.Plain, 2, 40, 24 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Export_RandomWeights_OnnxRuntimeMatchesTorchSharpWithin1e5(
        int width, int encoderBlocks, int decoderBlocks, OnnxGraphStyle style, int batch, int height, int imageWidth)
    {
        var options = new TinyBeautyNetOptions
        {
            Width = width,
            EncoderResidualBlocks = encoderBlocks,
            DecoderResidualBlocks = decoderBlocks,
        };
        using var network = new TinyBeautyNet(options);
        var weights = network.ExportWeights();
        var random = new Random(height * 31 + imageWidth);
        var input = new float[batch * 3 * height * imageWidth];
        for (var index = 0; index < input.Length; index++)
        {
            input[index] = random.NextSingle() * 2 - 1;
        }

        float[] expected;
        using (no_grad())
        using (var tensorInput = tensor(input, [batch, 3, height, imageWidth]))
        using (var output = network.forward(tensorInput))
        {
            expected = output.data<float>().ToArray();
        }

        var model = OnnxExporter.ExportToBytes(weights, options, new OnnxExportOptions { GraphStyle = style });
        var actual = OnnxTestRunner.Run(model, input, batch, height, imageWidth);

        var largest = OnnxTestRunner.MaxAbsDifference(actual, expected);
        Assert.True(largest <= 1e-5f, $"ONNX Runtime and TorchSharp differ by up to {largest:E2}.");
        Assert.True(expected.Any(value => Math.Abs(value) > 1e-3f), "The network's output is all but zero.");
    }
}
