using System.Buffers.Binary;

namespace TinyBeauty.Model.Export;

/// <summary>An ONNX node attribute: exactly one of the value fields is set, matching <see cref="Kind"/>.</summary>
internal sealed record OnnxAttribute(string Name, OnnxAttributeKind Kind)
{
    public float Float { get; init; }

    public long Int { get; init; }

    public string? Text { get; init; }

    public long[]? Ints { get; init; }

    public static OnnxAttribute Of(string name, float value) => new(name, OnnxAttributeKind.Float) { Float = value };

    public static OnnxAttribute Of(string name, long value) => new(name, OnnxAttributeKind.Int) { Int = value };

    public static OnnxAttribute Of(string name, string value) => new(name, OnnxAttributeKind.String) { Text = value };

    public static OnnxAttribute Of(string name, params long[] values) =>
        new(name, OnnxAttributeKind.Ints) { Ints = values };
}

/// <summary>The values of <c>AttributeProto.AttributeType</c> that the exporter uses.</summary>
internal enum OnnxAttributeKind
{
    Float = 1,
    Int = 2,
    String = 3,
    Ints = 7,
}

/// <summary>A dimension of a graph input or output: a fixed size, or a symbolic name when the size is null.</summary>
internal readonly record struct OnnxDimension(long? Size, string Symbol);

/// <summary>
/// Collects the nodes, initializers, inputs and outputs of one ONNX graph and serialises it as a ModelProto.
/// Field numbers follow <c>onnx.proto</c> (IR version 8).
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>TensorProto.DataType FLOAT.</summary>
    public const int Float32Type = 1;

    /// <summary>TensorProto.DataType INT64.</summary>
    public const int Int64Type = 7;

    private readonly List<(string OpType, string[] Inputs, string[] Outputs, string Name, OnnxAttribute[] Attributes)>
        _nodes = [];

    private readonly List<(string Name, long[] Dims, int DataType, byte[] Raw)> _initializers = [];
    private readonly List<(string Name, OnnxDimension[] Shape)> _inputs = [];
    private readonly List<(string Name, OnnxDimension[] Shape)> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Gets the number of nodes added so far.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Declares a float32 graph input.</summary>
    public string AddInput(string name, params OnnxDimension[] shape)
    {
        Claim(name);
        _inputs.Add((name, shape));
        return name;
    }

    /// <summary>Declares a float32 graph output, produced by some node's output of the same name.</summary>
    public void AddOutput(string name, params OnnxDimension[] shape) => _outputs.Add((name, shape));

    /// <summary>Adds a float32 initializer stored as little-endian raw data.</summary>
    public string AddInitializer(string name, long[] dims, ReadOnlySpan<float> values)
    {
        Claim(name);
        var raw = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        _initializers.Add((name, dims, Float32Type, raw));
        return name;
    }

    /// <summary>Adds a one-dimensional int64 initializer stored as little-endian raw data.</summary>
    public string AddInt64Initializer(string name, params long[] values)
    {
        Claim(name);
        var raw = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
        }

        _initializers.Add((name, [values.Length], Int64Type, raw));
        return name;
    }

    /// <summary>Returns true when a value (input, initializer or node output) of that name exists.</summary>
    public bool Has(string name) => _names.Contains(name);

    /// <summary>
    /// Adds a node with one output, named <paramref name="output"/> (made unique with a suffix if taken), and
    /// returns the output's name. An empty input name marks an omitted optional input.
    /// </summary>
    public string AddNode(string opType, string[] inputs, string output, params OnnxAttribute[] attributes)
    {
        var unique = output;
        for (var suffix = 1; _names.Contains(unique); suffix++)
        {
            unique = $"{output}_{suffix}";
        }

        Claim(unique);
        _nodes.Add((opType, inputs, [unique], unique, attributes));
        return unique;
    }

    /// <summary>Serialises the graph as a complete ModelProto, with <paramref name="metadata"/> as its
    /// <c>metadata_props</c>.</summary>
    public byte[] ToModel(
        string graphName,
        string producerVersion,
        string docString,
        IReadOnlyList<KeyValuePair<string, string>>? metadata = null)
    {
        var model = new ProtoWriter();
        model.WriteInt64(1, 8); // ir_version
        model.WriteString(2, "TinyBeauty.Model"); // producer_name
        model.WriteString(3, producerVersion); // producer_version
        model.WriteString(6, docString); // doc_string
        model.WriteMessage(7, WriteGraph(graphName)); // graph
        model.WriteMessage(8, opset =>
        {
            opset.WriteString(1, ""); // domain: the default ONNX operator set
            opset.WriteInt64(2, 17); // version
        });
        foreach (var (key, value) in metadata ?? [])
        {
            model.WriteMessage(14, entry => // metadata_props
            {
                entry.WriteString(1, key);
                entry.WriteString(2, value);
            });
        }

        return model.Written.ToArray();
    }

    private Action<ProtoWriter> WriteGraph(string graphName) => graph =>
    {
        foreach (var node in _nodes)
        {
            graph.WriteMessage(1, writer =>
            {
                foreach (var input in node.Inputs)
                {
                    writer.WriteString(1, input);
                }

                foreach (var output in node.Outputs)
                {
                    writer.WriteString(2, output);
                }

                writer.WriteString(3, node.Name);
                writer.WriteString(4, node.OpType);
                foreach (var attribute in node.Attributes)
                {
                    writer.WriteMessage(5, attributeWriter => WriteAttribute(attributeWriter, attribute));
                }
            });
        }

        graph.WriteString(2, graphName);
        foreach (var (name, dims, dataType, raw) in _initializers)
        {
            graph.WriteMessage(5, tensor =>
            {
                tensor.WritePackedInt64(1, dims);
                tensor.WriteInt64(2, dataType);
                tensor.WriteString(8, name);
                tensor.WriteBytes(9, raw);
            });
        }

        foreach (var (name, shape) in _inputs)
        {
            graph.WriteMessage(11, value => WriteValueInfo(value, name, shape));
        }

        foreach (var (name, shape) in _outputs)
        {
            graph.WriteMessage(12, value => WriteValueInfo(value, name, shape));
        }
    };

    private static void WriteAttribute(ProtoWriter writer, OnnxAttribute attribute)
    {
        writer.WriteString(1, attribute.Name);
        switch (attribute.Kind)
        {
            case OnnxAttributeKind.Float:
                writer.WriteFloat(2, attribute.Float);
                break;
            case OnnxAttributeKind.Int:
                writer.WriteInt64(3, attribute.Int);
                break;
            case OnnxAttributeKind.String:
                writer.WriteString(4, attribute.Text!);
                break;
            default:
                writer.WritePackedInt64(8, attribute.Ints!);
                break;
        }

        writer.WriteInt64(20, (long)attribute.Kind);
    }

    private static void WriteValueInfo(ProtoWriter writer, string name, OnnxDimension[] shape)
    {
        writer.WriteString(1, name);
        writer.WriteMessage(2, type => type.WriteMessage(1, tensorType =>
        {
            tensorType.WriteInt64(1, Float32Type); // elem_type
            tensorType.WriteMessage(2, shapeWriter =>
            {
                foreach (var dimension in shape)
                {
                    shapeWriter.WriteMessage(1, dim =>
                    {
                        if (dimension.Size is { } size)
                        {
                            dim.WriteInt64(1, size); // dim_value
                        }
                        else
                        {
                            dim.WriteString(2, dimension.Symbol); // dim_param
                        }
                    });
                }
            });
        }));
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The ONNX graph already has a value named '{name}'.");
        }
    }
}
