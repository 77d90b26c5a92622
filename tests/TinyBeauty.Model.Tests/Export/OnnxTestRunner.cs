using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TinyBeauty.Model.Tests.Export;

/// <summary>Runs exported models with ONNX Runtime on the CPU.</summary>
internal static class OnnxTestRunner
{
    public static float[] Run(byte[] model, float[] input, int batch, int height, int width)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(model, options);
        var tensor = new DenseTensor<float>(input, [batch, 3, height, width]);
        using var result = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        return result.Single().AsTensor<float>().ToArray();
    }

    public static float MaxAbsDifference(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var max = 0f;
        for (var i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return max;
    }
}
