using System.Text;

namespace TinyBeauty.Onnx.Tests;

/// <summary>
/// Builds tiny ONNX models by hand for tests of the session's checks, written independently of the exporter in
/// TinyBeauty.Model so that each can catch the other's mistakes.
/// </summary>
internal static class TestModels
{
    private const int FloatType = 1;
    private const int Int64Type = 7;

    /// <summary>A model whose residual is its input: useful to test the pipeline's arithmetic.</summary>
    public static byte[] Identity(int channels = 3) =>
        Model([Node("Identity", ["input"], ["residual"])], [Input("input", FloatType, channels)],
            [Input("residual", FloatType, channels)]);

    /// <summary>A model whose residual is the input scaled by a constant (a Mul by a scalar initializer).</summary>
    public static byte[] Scale(float factor) =>
        Model([Node("Mul", ["input", "factor"], ["residual"])], [Input("input", FloatType, 3)],
            [Input("residual", FloatType, 3)], ScalarInitializer("factor", factor));

    /// <summary>A model that returns NaN everywhere: the square root of a negative number.</summary>
    public static byte[] NotANumber() =>
        Model(
            [
                Node("Exp", ["input"], ["positive"]),
                Node("Neg", ["positive"], ["negative"]),
                Node("Sqrt", ["negative"], ["residual"]),
            ],
            [Input("input", FloatType, 3)],
            [Input("residual", FloatType, 3)]);

    /// <summary>A model with two inputs.</summary>
    public static byte[] TwoInputs() =>
        Model([Node("Add", ["a", "b"], ["residual"])], [Input("a", FloatType, 3), Input("b", FloatType, 3)],
            [Input("residual", FloatType, 3)]);

    /// <summary>A model that takes integers.</summary>
    public static byte[] IntegerInput() =>
        Model([Node("Identity", ["input"], ["residual"])], [Input("input", Int64Type, 3)],
            [Input("residual", Int64Type, 3)]);

    /// <summary><see cref="Identity"/> with one metadata entry (<c>metadata_props</c>) added.</summary>
    public static byte[] IdentityWithMetadata(string key, string value) =>
        Concat(Identity(), Field(14, Concat(Field(1, key), Field(2, value))));

    private static byte[] Model(byte[][] nodes, byte[][] inputs, byte[][] outputs, byte[]? initializer = null)
    {
        var graph = new List<byte>();
        foreach (var node in nodes)
        {
            graph.AddRange(Field(1, node));
        }

        graph.AddRange(Field(2, "test"));
        if (initializer is not null)
        {
            graph.AddRange(Field(5, initializer));
        }

        foreach (var input in inputs)
        {
            graph.AddRange(Field(11, input));
        }

        foreach (var output in outputs)
        {
            graph.AddRange(Field(12, output));
        }

        var opset = Concat(Field(1, string.Empty), VarintField(2, 17));
        return Concat(VarintField(1, 8), Field(2, "tests"), Field(7, graph.ToArray()), Field(8, opset));
    }

    private static byte[] Node(string operation, string[] inputs, string[] outputs)
    {
        var node = new List<byte>();
        foreach (var input in inputs)
        {
            node.AddRange(Field(1, input));
        }

        foreach (var output in outputs)
        {
            node.AddRange(Field(2, output));
        }

        node.AddRange(Field(4, operation));
        return node.ToArray();
    }

    private static byte[] Input(string name, int elementType, int channels)
    {
        var shape = Concat(
            Field(1, Field(2, "batch")),
            Field(1, VarintField(1, channels)),
            Field(1, Field(2, "height")),
            Field(1, Field(2, "width")));
        var tensorType = Concat(VarintField(1, elementType), Field(2, shape));
        return Concat(Field(1, name), Field(2, Field(1, tensorType)));
    }

    private static byte[] ScalarInitializer(string name, float value)
    {
        // TensorProto: data_type = 2, name = 8, raw_data = 9; no dims field makes a scalar.
        return Concat(VarintField(2, FloatType), Field(8, name), Field(9, BitConverter.GetBytes(value)));
    }

    private static byte[] Field(int number, string text) => Field(number, Encoding.UTF8.GetBytes(text));

    private static byte[] Field(int number, byte[] payload) =>
        Concat(Varint((ulong)((number << 3) | 2)), Varint((ulong)payload.Length), payload);

    private static byte[] VarintField(int number, long value) =>
        Concat(Varint((ulong)(number << 3)), Varint((ulong)value));

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return bytes.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();
}
