using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace TinyBeauty.Model.Checkpoints;

/// <summary>
/// An open safetensors file whose tensors are read one at a time, so that files far larger than memory (or than a
/// .NET array) can be loaded tensor by tensor.
/// </summary>
/// <remarks>
/// <para>
/// Opening reads and checks only the header (see <see cref="SafeTensors"/> for the layout and the checks): every
/// entry has a known dtype, a byte length that matches its shape, and the entries tile the data section, which must
/// end exactly at the end of the file. Integer and boolean entries (such as an <c>I64</c> <c>position_ids</c>
/// buffer) are listed, but only <c>F32</c>, <c>F16</c>, <c>BF16</c> and <c>F64</c> tensors can be read.
/// </para>
/// <para>
/// The file stays open (shared for reading) until the instance is disposed. Reads use positioned I/O, so several
/// threads may read different tensors at once.
/// </para>
/// </remarks>
public sealed class SafeTensorsFile : IDisposable
{
    private const int ChunkBytes = 1 << 20;

    private readonly SafeFileHandle _handle;

    private readonly Dictionary<string, SafeTensorsEntry> _byName;

    private readonly long _dataStart;

    private SafeTensorsFile(
        string path,
        SafeFileHandle handle,
        List<SafeTensorsEntry> entries,
        Dictionary<string, string> metadata,
        long dataStart)
    {
        FilePath = path;
        _handle = handle;
        Entries = entries;
        Metadata = metadata;
        _dataStart = dataStart;
        _byName = entries.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
    }

    /// <summary>Gets the full path of the file.</summary>
    public string FilePath { get; }

    /// <summary>Gets the tensors in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>Gets the <c>__metadata__</c> strings (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens a safetensors file and reads its header.</summary>
    /// <param name="path">The file to open.</param>
    /// <returns>The open file; the caller disposes it.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The header is malformed, names an unsupported dtype, or does not describe the data section exactly; the
    /// message names the file and, where one is at fault, the tensor.
    /// </exception>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var source = Path.GetFileName(fullPath);
        var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var fileLength = RandomAccess.GetLength(handle);
            Span<byte> prefix = stackalloc byte[8];
            if (RandomAccess.Read(handle, prefix, 0) < 8)
            {
                throw new InvalidDataException($"{source}: the file is shorter than the 8-byte header length.");
            }

            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength < 2 || headerLength > SafeTensors.MaxHeaderBytes || 8 + (long)headerLength > fileLength)
            {
                throw new InvalidDataException(
                    $"{source}: the header length is {headerLength} bytes; expected 2..{SafeTensors.MaxHeaderBytes} "
                    + $"within the file's {fileLength} bytes.");
            }

            var header = new byte[headerLength];
            ReadExactly(handle, header, 8, source);
            var parsed = SafeTensors.ParseHeader(header, source, out var metadata, acceptIntegers: true);

            var dataStart = 8 + (long)headerLength;
            var dataLength = SafeTensors.MeasureDataSection(parsed, source);
            if (dataStart + dataLength != fileLength)
            {
                throw new InvalidDataException(
                    $"{source}: the header describes {dataLength} bytes of tensor data but the file holds "
                    + $"{fileLength - dataStart} after the header.");
            }

            var entries = parsed
                .Select(entry => new SafeTensorsEntry(entry.Name, entry.DType, entry.Shape, entry.Begin, entry.End))
                .ToList();
            return new SafeTensorsFile(fullPath, handle, entries, metadata, dataStart);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Finds a tensor by name.</summary>
    /// <returns>Whether the file holds a tensor of that name.</returns>
    public bool TryGetEntry(string name, [NotNullWhen(true)] out SafeTensorsEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out entry);
    }

    /// <summary>Reads one tensor, converted to float32, into a new array in row-major order.</summary>
    /// <param name="entry">An entry of this file.</param>
    /// <exception cref="ArgumentException">The entry does not belong to this file.</exception>
    /// <exception cref="NotSupportedException">The entry is not a floating-point tensor.</exception>
    /// <exception cref="InvalidDataException">The file is shorter than its header says (it changed on disk).
    /// </exception>
    public float[] ReadFloat32(SafeTensorsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var values = new float[entry.ElementCount];
        ReadFloat32(entry, values);
        return values;
    }

    /// <summary>
    /// Reads one tensor, converted to float32, into <paramref name="destination"/>, whose length must equal the
    /// entry's element count. The file is read in chunks of 1 MiB, so no second copy of the tensor is made.
    /// </summary>
    /// <param name="entry">An entry of this file.</param>
    /// <param name="destination">Receives the values in row-major order.</param>
    /// <exception cref="ArgumentException">
    /// The entry does not belong to this file, or the destination length differs from its element count.
    /// </exception>
    /// <exception cref="NotSupportedException">The entry is not a floating-point tensor.</exception>
    /// <exception cref="InvalidDataException">The file is shorter than its header says (it changed on disk).
    /// </exception>
    public void ReadFloat32(SafeTensorsEntry entry, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!_byName.TryGetValue(entry.Name, out var own) || !ReferenceEquals(own, entry))
        {
            throw new ArgumentException($"Tensor '{entry.Name}' is not an entry of {FilePath}.", nameof(entry));
        }

        if (destination.Length != entry.ElementCount)
        {
            throw new ArgumentException(
                $"Tensor '{entry.Name}' holds {entry.ElementCount} values but the destination has "
                + $"{destination.Length}.",
                nameof(destination));
        }

        var storedType = SafeTensors.ToStoredType(entry.DType) ?? throw new NotSupportedException(
            $"Tensor '{entry.Name}' of {FilePath} is {entry.DType}; only F32, F16, BF16 and F64 tensors can be read.");
        var elementSize = StoredElements.Size(storedType);
        var elementsPerChunk = ChunkBytes / elementSize;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (var start = 0; start < destination.Length; start += elementsPerChunk)
            {
                var count = Math.Min(elementsPerChunk, destination.Length - start);
                var bytes = buffer.AsSpan(0, count * elementSize);
                var position = _dataStart + entry.DataOffset + ((long)start * elementSize);
                ReadExactly(_handle, bytes, position, Path.GetFileName(FilePath));
                StoredElements.Convert(bytes, storedType, destination.Slice(start, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long position, string source)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = RandomAccess.Read(handle, destination[total..], position + total);
            if (read == 0)
            {
                throw new InvalidDataException(
                    $"{source}: the file ends at byte {position + total} while {destination.Length - total} more "
                    + "bytes were expected.");
            }

            total += read;
        }
    }
}

/// <summary>One tensor listed in a safetensors header.</summary>
public sealed class SafeTensorsEntry
{
    internal SafeTensorsEntry(string name, string dtype, int[] shape, long begin, long end)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        DataOffset = begin;
        ByteLength = end - begin;
        ElementCount = shape.Aggregate(1L, (product, dimension) => product * dimension);
    }

    /// <summary>Gets the tensor's name.</summary>
    public string Name { get; }

    /// <summary>Gets the stored element type as the header spells it, for example F32, F16, BF16 or I64.</summary>
    public string DType { get; }

    /// <summary>Gets the dimensions, outermost first; a scalar has none.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Gets the number of values (the product of the shape; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Gets where the tensor's bytes start, counted from the start of the data section.</summary>
    public long DataOffset { get; }

    /// <summary>Gets the number of bytes the tensor occupies.</summary>
    public long ByteLength { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DType} [{string.Join(", ", Shape)}]";
}
