using System.Buffers.Binary;
using System.Text.Json;

namespace TinyBeauty.Model.Checkpoints;

/// <summary>Reads and writes the safetensors format (Hugging Face) for float32 state dictionaries.</summary>
/// <remarks>
/// <para>
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the tensor data. The JSON object maps
/// each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c>, offsets counted from the start of
/// the data; the optional <c>__metadata__</c> entry maps strings to strings.
/// </para>
/// <para>
/// Loading accepts <c>F32</c>, <c>F16</c>, <c>BF16</c> and <c>F64</c> tensors and converts them to float32; other
/// dtypes are rejected. The data offsets must cover the data section exactly, without gaps or overlaps, as the
/// format requires. Tensors keep the order in which the header lists them. Saving always writes <c>F32</c>, in the
/// dictionary's order, with the header padded with spaces so that the data starts 8-byte aligned.
/// </para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted when loading (100 MB), which guards against absurd lengths.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Reads a safetensors file.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors, converted to float32, in header order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is truncated, its header is not valid JSON of the expected form, a dtype is unsupported, or the
    /// offsets do not match the shapes or do not tile the data section; the message names the file and tensor.
    /// </exception>
    public static StateDictionary Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Load(stream, Path.GetFileName(path), out _);
    }

    /// <summary>Reads safetensors data from a stream, which is read to its end but not disposed.</summary>
    /// <param name="stream">A readable stream positioned at the start of the data.</param>
    /// <returns>The tensors, converted to float32, in header order.</returns>
    /// <exception cref="InvalidDataException">See <see cref="Load(string)"/>.</exception>
    public static StateDictionary Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Load(stream, "safetensors stream", out _);
    }

    /// <summary>Reads the <c>__metadata__</c> strings of a safetensors file (empty when it has none).</summary>
    /// <exception cref="InvalidDataException">See <see cref="Load(string)"/>.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        Load(stream, Path.GetFileName(path), out var metadata);
        return metadata;
    }

    /// <summary>
    /// Writes a state dictionary as float32 safetensors. The file is written to a temporary file in the same folder
    /// and then moved over <paramref name="path"/>, so readers never see a half-written file.
    /// </summary>
    /// <param name="weights">The tensors to write, in order.</param>
    /// <param name="path">The destination; an existing file is replaced.</param>
    /// <param name="metadata">Optional strings stored under <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">A tensor is named <c>__metadata__</c>.</exception>
    public static void Save(
        StateDictionary weights,
        string path,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream => Save(weights, stream, metadata));
    }

    /// <summary>Writes a state dictionary as float32 safetensors to a stream, which is not disposed.</summary>
    /// <param name="weights">The tensors to write, in order.</param>
    /// <param name="destination">A writable stream.</param>
    /// <param name="metadata">Optional strings stored under <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">A tensor is named <c>__metadata__</c>.</exception>
    public static void Save(
        StateDictionary weights,
        Stream destination,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(destination);

        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in weights.Tensors)
            {
                if (tensor.Name == MetadataKey)
                {
                    throw new ArgumentException($"A tensor cannot be named '{MetadataKey}'.", nameof(weights));
                }

                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)tensor.Data.Length * sizeof(float);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Pad with spaces so that the data section starts at a multiple of 8 bytes.
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        destination.Write(length);
        header.Position = 0;
        header.CopyTo(destination);

        var buffer = new byte[64 * 1024];
        foreach (var tensor in weights.Tensors)
        {
            for (var start = 0; start < tensor.Data.Length; start += buffer.Length / sizeof(float))
            {
                var count = Math.Min(buffer.Length / sizeof(float), tensor.Data.Length - start);
                for (var i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), tensor.Data[start + i]);
                }

                destination.Write(buffer, 0, count * sizeof(float));
            }
        }
    }

    private static StateDictionary Load(Stream stream, string source, out Dictionary<string, string> metadata)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
        {
            throw new InvalidDataException($"{source}: the file is shorter than the 8-byte safetensors header length.");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
        {
            throw new InvalidDataException(
                $"{source}: the header length is {headerLength} bytes; expected 2..{MaxHeaderBytes}.");
        }

        var header = new byte[headerLength];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw new InvalidDataException($"{source}: the file ends inside its {headerLength}-byte header.");
        }

        var entries = ParseHeader(header, source, out metadata);

        var expected = MeasureDataSection(entries, source);

        if (expected > Array.MaxLength)
        {
            throw new InvalidDataException($"{source}: the data section of {expected} bytes is too large to load.");
        }

        var data = new byte[expected];
        var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
        {
            throw new InvalidDataException(
                $"{source}: the header describes {expected} bytes of tensor data but only {read} follow it.");
        }

        if (stream.ReadByte() >= 0)
        {
            throw new InvalidDataException(
                $"{source}: bytes follow the {expected} bytes of tensor data that the header describes.");
        }

        var result = new StateDictionary();
        foreach (var entry in entries)
        {
            var values = new float[entry.Count];
            var stored = data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin));
            StoredElements.Convert(stored, ToStoredType(entry.DType)!.Value, values);
            result.Add(new NamedTensor(entry.Name, entry.Shape, values));
        }

        return result;
    }

    /// <summary>
    /// Checks that the entries tile the data section exactly (sorted by start, each begins where the last ended)
    /// and returns the section's length in bytes.
    /// </summary>
    internal static long MeasureDataSection(IEnumerable<Entry> entries, string source)
    {
        long expected = 0;
        foreach (var entry in entries.OrderBy(entry => entry.Begin))
        {
            if (entry.Begin != expected)
            {
                var problem = entry.Begin < expected ? "overlaps the previous tensor" : "leaves a gap before it";
                throw new InvalidDataException(
                    $"{source}: tensor '{entry.Name}' starts at data offset {entry.Begin}, which {problem} "
                    + $"(expected {expected}).");
            }

            expected = entry.End;
        }

        return expected;
    }

    /// <summary>
    /// Parses the JSON header into tensor entries (in header order) and metadata strings. With
    /// <paramref name="acceptIntegers"/>, integer and boolean dtypes are listed too (their sizes are checked).
    /// </summary>
    internal static List<Entry> ParseHeader(
        byte[] header,
        string source,
        out Dictionary<string, string> metadata,
        bool acceptIntegers = false)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{source}: the header is not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: the header is not a JSON object.");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new InvalidDataException($"{source}: the header names '{property.Name}' twice.");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, source, metadata);
                    continue;
                }

                entries.Add(ParseEntry(property.Name, property.Value, source, acceptIntegers));
            }
        }

        return entries;
    }

    private static void ReadMetadata(JsonElement element, string source, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: '{MetadataKey}' is not an object of strings.");
        }

        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException($"{source}: metadata value '{item.Name}' is not a string.");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ParseEntry(string name, JsonElement element, string source, bool acceptIntegers)
    {
        InvalidDataException Bad(string problem) => new($"{source}: tensor '{name}' {problem}.");

        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("dtype", out var dtypeElement)
            || !element.TryGetProperty("shape", out var shapeElement)
            || !element.TryGetProperty("data_offsets", out var offsetsElement))
        {
            throw Bad("is not an object with dtype, shape and data_offsets");
        }

        var dtype = dtypeElement.ValueKind == JsonValueKind.String ? dtypeElement.GetString()! : "";
        var storedType = ToStoredType(dtype);
        var elementSize = storedType is { } floating ? StoredElements.Size(floating)
            : acceptIntegers && IntegerSize(dtype) is { } size ? size
            : throw Bad($"has dtype '{dtype}'; only F32, F16, BF16 and F64 can be loaded");

        if (shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad("has a shape that is not an array");
        }

        var shape = new int[shapeElement.GetArrayLength()];
        long count = 1;
        var index = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out var value) || value < 0)
            {
                throw Bad($"has shape entry {dimension.GetRawText()}, not a non-negative 32-bit integer");
            }

            shape[index++] = value;
            count *= value;
            if (count > Array.MaxLength)
            {
                throw Bad("has too many values to load");
            }
        }

        if (offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2
            || !offsetsElement[0].TryGetInt64(out var begin)
            || !offsetsElement[1].TryGetInt64(out var end)
            || begin < 0
            || end < begin)
        {
            throw Bad($"has data_offsets {offsetsElement.GetRawText()}, not [begin, end] with 0 <= begin <= end");
        }

        if (end - begin != count * elementSize)
        {
            throw Bad(
                $"spans {end - begin} bytes but shape [{string.Join(", ", shape)}] of {dtype} needs "
                + $"{count * elementSize}");
        }

        return new Entry(name, dtype, shape, (int)count, begin, end);
    }

    private static int? IntegerSize(string dtype) => dtype switch
    {
        "I64" or "U64" => 8,
        "I32" or "U32" => 4,
        "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => null,
    };

    internal static StoredElementType? ToStoredType(string dtype) => dtype switch
    {
        "F32" => StoredElementType.Float32,
        "F16" => StoredElementType.Float16,
        "BF16" => StoredElementType.BFloat16,
        "F64" => StoredElementType.Float64,
        _ => null,
    };

    /// <summary>One tensor of the header; offsets are counted from the start of the data section.</summary>
    internal sealed record Entry(string Name, string DType, int[] Shape, int Count, long Begin, long End);
}
