using System.Buffers.Binary;

namespace TinyBeauty.Model.Checkpoints;

/// <summary>The floating-point element types that checkpoint files store, all read as float32.</summary>
internal enum StoredElementType
{
    Float32,
    Float16,
    BFloat16,
    Float64,
}

/// <summary>Reads little-endian stored elements into float32 values.</summary>
internal static class StoredElements
{
    /// <summary>Gets the size in bytes of one element.</summary>
    public static int Size(StoredElementType type) => type switch
    {
        StoredElementType.Float16 or StoredElementType.BFloat16 => 2,
        StoredElementType.Float64 => 8,
        _ => 4,
    };

    /// <summary>Converts <paramref name="values"/>.Length elements from <paramref name="data"/>.</summary>
    public static void Convert(ReadOnlySpan<byte> data, StoredElementType type, Span<float> values)
    {
        switch (type)
        {
            case StoredElementType.Float32:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
                }

                break;
            case StoredElementType.Float16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]);
                }

                break;
            case StoredElementType.BFloat16:
                // bfloat16 is the upper half of a float32, so widening is a shift.
                for (var i = 0; i < values.Length; i++)
                {
                    var upper = BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]);
                    values[i] = BitConverter.Int32BitsToSingle(upper << 16);
                }

                break;
            default:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
                }

                break;
        }
    }
}
