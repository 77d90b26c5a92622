namespace TinyBeauty.Model.Checkpoints;

/// <summary>A named float32 tensor held in managed memory, in row-major (C) order.</summary>
public sealed class NamedTensor
{
    /// <summary>Creates a tensor, checking that the data length equals the product of the shape.</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape, or a dimension is negative.
    /// </exception>
    public NamedTensor(string name, int[] shape, float[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);

        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension in shape {FormatShape(shape)}.");
            }

            count *= dimension;
        }

        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}' has shape {FormatShape(shape)} ({count} values) "
                + $"but {data.Length} values were given.");
        }

        Name = name;
        Shape = shape;
        Data = data;
    }

    /// <summary>Gets the tensor's name (a state-dict key).</summary>
    public string Name { get; }

    /// <summary>Gets the dimensions, outermost first. A scalar has an empty shape.</summary>
    public int[] Shape { get; }

    /// <summary>Gets the values in row-major order. The array is owned by this tensor.</summary>
    public float[] Data { get; }

    /// <summary>Formats a shape the way the official key tables do, for example <c>24x3x7x7</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape) =>
        shape.Length == 0 ? "scalar" : string.Join('x', shape.ToArray());

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{FormatShape(Shape)}]";
}
