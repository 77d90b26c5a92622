using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TinyBeauty.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TinyBeauty.Onnx.Tests.FaceModels;

/// <summary>
/// Checks the face models converted from TF.js to ONNX (models/face/*.onnx, made by tools/tfjs-to-onnx) against
/// the outputs of the original TF.js graphs run with the pure-JS CPU backend on crops of a real photo
/// (FaceModels/Fixtures, written by tools/tfjs-to-onnx/reference.mjs).
/// </summary>
public sealed class ConvertedFaceModelTests(ITestOutputHelper output)
{
    /// <summary>
    /// Allowed absolute error relative to the largest magnitude of the reference output (at least 1): float32
    /// summation order differs between the TF.js CPU kernels and ONNX Runtime, and nothing else should. The
    /// errors measured were at most 2e-6 of that magnitude (blazeface classificators: 5.3e-4 of 283).
    /// </summary>
    private const double RelativeTolerance = 2e-5;

    private static string FixtureFolder =>
        Path.Combine(RepositoryData.Root, "tests", "TinyBeauty.Onnx.Tests", "FaceModels", "Fixtures");

    [Theory]
    [InlineData("blazeface")]
    [InlineData("facemesh")]
    [InlineData("iris")]
    public void ConvertedModelMatchesTfjs(string model)
    {
        var fixture = Fixture.Load(model);
        using var session = new InferenceSession(Path.Combine(RepositoryData.Root, "models", "face", model + ".onnx"));

        var input = new DenseTensor<float>(fixture.Input, fixture.InputShape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(fixture.InputName, input)]);

        foreach (var expected in fixture.Outputs)
        {
            var actual = results.Single(r => r.Name == expected.Name).AsTensor<float>();
            Assert.Equal(expected.Shape, actual.Dimensions.ToArray());
            var values = actual.ToArray();
            var (maxError, at) = MaxError(values, expected.Values);
            var tolerance = RelativeTolerance * Math.Max(1.0, expected.Values.Max(v => Math.Abs((double)v)));
            output.WriteLine($"{model}/{expected.Name}: max error {maxError:G4}, tolerance {tolerance:G4}");
            Assert.True(
                maxError <= tolerance,
                $"{model}/{expected.Name}: max |onnx - tfjs| = {maxError:G4} at {at} " +
                $"(onnx {values[at]}, tfjs {expected.Values[at]}), tolerance {tolerance:G4}");
        }
    }

    [Theory]
    [InlineData("blazeface", "input", 256, 4)]
    [InlineData("facemesh", "input_1", 192, 3)]
    [InlineData("iris", "input_1", 64, 1)]
    public void ConvertedModelKeepsTheNhwcInterface(string model, string inputName, int size, int outputs)
    {
        using var session = new InferenceSession(Path.Combine(RepositoryData.Root, "models", "face", model + ".onnx"));

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal(inputName, input.Key);
        Assert.Equal(new[] { size, size, 3 }, input.Value.Dimensions[1..]);
        Assert.Equal(outputs, session.OutputMetadata.Count);
    }

    [Fact]
    public void FaceMeshRunsABatchOfTwo()
    {
        var fixture = Fixture.Load("facemesh");
        using var session = new InferenceSession(Path.Combine(RepositoryData.Root, "models", "face", "facemesh.onnx"));

        var batch = new float[fixture.Input.Length * 2];
        fixture.Input.CopyTo(batch, 0);
        fixture.Input.CopyTo(batch, fixture.Input.Length);
        var input = new DenseTensor<float>(batch, [2, .. fixture.InputShape[1..]]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(fixture.InputName, input)]);

        var expected = fixture.Outputs.Single(o => o.Name == "output_mesh").Values;
        var mesh = results.Single(r => r.Name == "output_mesh").AsTensor<float>().ToArray();
        Assert.Equal(expected.Length * 2, mesh.Length);
        var (first, _) = MaxError(mesh[..expected.Length], expected);
        var (second, _) = MaxError(mesh[expected.Length..], expected);
        var tolerance = RelativeTolerance * expected.Max(v => Math.Abs((double)v));
        Assert.True(
            first <= tolerance && second <= tolerance,
            $"batch rows differ from tfjs by {first:G4} and {second:G4}, tolerance {tolerance:G4}");
    }

    private static (double MaxError, int At) MaxError(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var max = 0.0;
        var at = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs((double)actual[i] - expected[i]);
            Assert.False(double.IsNaN(error), $"NaN at {i}");
            if (error > max)
            {
                max = error;
                at = i;
            }
        }

        return (max, at);
    }

    private static float[] ReadFloats(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(FixtureFolder, file));
        var values = new float[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i, 4));
        }

        return values;
    }

    private sealed record Output(string Name, int[] Shape, float[] Values);

    private sealed record Fixture(string InputName, int[] InputShape, float[] Input, IReadOnlyList<Output> Outputs)
    {
        public static Fixture Load(string model)
        {
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureFolder, "manifest.json")));
            var entry = manifest.RootElement.GetProperty("models").EnumerateArray()
                .Single(m => m.GetProperty("model").GetString() == model);
            var input = entry.GetProperty("input");
            var outputs = entry.GetProperty("outputs").EnumerateArray()
                .Select(o => new Output(
                    o.GetProperty("name").GetString()!,
                    Shape(o.GetProperty("shape")),
                    ReadFloats(o.GetProperty("file").GetString()!)))
                .ToList();
            return new Fixture(
                input.GetProperty("name").GetString()!,
                Shape(input.GetProperty("shape")),
                ReadFloats(input.GetProperty("file").GetString()!),
                outputs);
        }

        private static int[] Shape(JsonElement shape) => shape.EnumerateArray().Select(d => d.GetInt32()).ToArray();
    }
}
