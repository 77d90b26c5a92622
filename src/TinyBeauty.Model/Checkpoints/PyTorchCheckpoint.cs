using System.Buffers.Binary;
using System.IO.Compression;

namespace TinyBeauty.Model.Checkpoints;

/// <summary>
/// Reads the tensors of a PyTorch zip checkpoint (the format <c>torch.save</c> writes since PyTorch 1.6) in pure
/// managed code, without libtorch.
/// </summary>
/// <remarks>
/// <para>
/// The archive's <c>&lt;root&gt;/data.pkl</c> is interpreted by a minimal pickle reader that accepts only the globals
/// a state dictionary needs: <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>torch._utils._rebuild_parameter</c> and the storage types <c>torch.FloatStorage</c>,
/// <c>HalfStorage</c>, <c>BFloat16Storage</c>, <c>DoubleStorage</c>, <c>LongStorage</c> and <c>IntStorage</c>.
/// Any other global fails the load with an <see cref="InvalidDataException"/> that names it. Nothing from the file
/// is ever executed, so loading an untrusted checkpoint cannot run code (unlike Python's <c>pickle</c>).
/// </para>
/// <para>
/// Tensor data comes from the archive entries <c>&lt;root&gt;/data/&lt;key&gt;</c>, the key being the one the
/// pickle names. Storage offsets are honoured; tensors must be contiguous (row-major). float32, float16,
/// bfloat16 and float64 values are converted to float32; integer tensors inside the selected state dictionary are
/// rejected because <see cref="StateDictionary"/> holds float32 only. Device locations such as <c>cuda:0</c> are
/// ignored: all data is read to managed memory. The checkpoint is assumed little-endian, which is what PyTorch
/// writes on every common platform; an archive whose <c>byteorder</c> entry says <c>big</c> is rejected.
/// </para>
/// <para>
/// Older checkpoints (the legacy tar/raw pickle format from before PyTorch 1.6) and TorchScript archives are not
/// supported.
/// </para>
/// </remarks>
public static class PyTorchCheckpoint
{
    /// <summary>The top-level key that holds the network's state dictionary in the official checkpoints.</summary>
    public const string OfficialEntry = "cleaner";

    private const string DataParallelPrefix = "module.";

    /// <summary>Reads a checkpoint file.</summary>
    /// <param name="path">The checkpoint file (for example <c>style1.pt</c>).</param>
    /// <param name="entry">
    /// The key of the top-level dictionary that holds the state dictionary (<c>"cleaner"</c> for the official
    /// files), or <see langword="null"/> when the top-level object is itself the state dictionary.
    /// </param>
    /// <returns>The tensors in checkpoint order, a leading <c>module.</c> removed from every key that has it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a PyTorch zip checkpoint, is truncated or corrupt, references a forbidden global, lacks
    /// <paramref name="entry"/> (the message lists the keys present) or holds an unsupported tensor.
    /// </exception>
    public static StateDictionary Load(string path, string? entry = OfficialEntry)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Load(stream, entry, Path.GetFileName(path));
    }

    /// <summary>Reads a checkpoint from a stream. The stream is read but not disposed.</summary>
    /// <param name="stream">A readable stream positioned at the start of the checkpoint.</param>
    /// <param name="entry">See <see cref="Load(string, string?)"/>.</param>
    /// <returns>The tensors in checkpoint order, a leading <c>module.</c> removed from every key that has it.</returns>
    /// <exception cref="InvalidDataException">See <see cref="Load(string, string?)"/>.</exception>
    public static StateDictionary Load(Stream stream, string? entry = OfficialEntry)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Load(stream, entry, "checkpoint stream");
    }

    private static StateDictionary Load(Stream stream, string? entry, string source)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException(
                $"{source} is not a PyTorch zip checkpoint (torch.save >= 1.6): {exception.Message}", exception);
        }

        using (archive)
        {
            try
            {
                return Read(archive, entry, source);
            }
            catch (IOException exception) when (exception is not FileNotFoundException)
            {
                throw new InvalidDataException($"{source} is truncated or unreadable: {exception.Message}", exception);
            }
        }
    }

    private static StateDictionary Read(ZipArchive archive, string? entry, string source)
    {
        var pickleEntry = FindPickle(archive, source);
        var root = pickleEntry.FullName[..^"data.pkl".Length];
        CheckByteOrder(archive, root, source);

        var pickleSource = $"{source}, entry '{pickleEntry.FullName}'";
        var top = PickleMachine.Run(ReadEntry(pickleEntry, pickleSource), pickleSource);
        var stateObject = SelectEntry(top, entry, source);

        // Storages are read once each, however many tensors view them.
        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var result = new StateDictionary();
        foreach (var (key, value) in stateObject.Items)
        {
            if (key is not string name)
            {
                throw new InvalidDataException($"{source}: the state dictionary has a key that is not a string.");
            }

            if (value is not PickleTensor tensor)
            {
                throw new InvalidDataException($"{source}: state dictionary key '{name}' does not hold a tensor.");
            }

            if (name.StartsWith(DataParallelPrefix, StringComparison.Ordinal))
            {
                name = name[DataParallelPrefix.Length..];
            }

            var shape = ToIntShape(tensor, name, source);
            result.Add(new NamedTensor(name, shape, ReadTensor(archive, root, tensor, name, source, storages)));
        }

        return result;
    }

    private static ZipArchiveEntry FindPickle(ZipArchive archive, string source)
    {
        ZipArchiveEntry? found = null;
        foreach (var candidate in archive.Entries)
        {
            var name = candidate.FullName;
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && name.LastIndexOf('/') == slash && name.EndsWith("/data.pkl", StringComparison.Ordinal))
            {
                if (found is not null)
                {
                    throw new InvalidDataException(
                        $"{source} has two pickles, '{found.FullName}' and '{name}'; expected one <root>/data.pkl.");
                }

                found = candidate;
            }
        }

        return found ?? throw new InvalidDataException(
            $"{source} is a zip file but has no <root>/data.pkl entry, so it is not a PyTorch checkpoint.");
    }

    private static void CheckByteOrder(ZipArchive archive, string root, string source)
    {
        var entry = archive.GetEntry(root + "byteorder");
        if (entry is null)
        {
            return;
        }

        var text = System.Text.Encoding.ASCII.GetString(ReadEntry(entry, source)).Trim();
        if (text != "little")
        {
            throw new InvalidDataException(
                $"{source}: entry '{entry.FullName}' says the byte order is '{text}'; only 'little' is supported.");
        }
    }

    private static PickleDict SelectEntry(object? top, string? entry, string source)
    {
        if (top is not PickleDict topDict)
        {
            throw new InvalidDataException($"{source}: the checkpoint's top-level object is not a dictionary.");
        }

        if (entry is null)
        {
            return topDict;
        }

        if (!topDict.TryGetValue(entry, out var selected))
        {
            var keys = string.Join(", ", topDict.Items.Select(item => $"'{item.Key}'"));
            throw new InvalidDataException(
                $"{source}: the checkpoint has no top-level entry '{entry}'; its keys are {keys}. "
                + "Pass the entry that holds the state dictionary, or null if the file is a bare state dictionary.");
        }

        return selected as PickleDict ?? throw new InvalidDataException(
            $"{source}: top-level entry '{entry}' is not a dictionary of tensors.");
    }

    private static int[] ToIntShape(PickleTensor tensor, string name, string source)
    {
        var shape = new int[tensor.Shape.Length];
        long expectedStride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            if (tensor.Shape[i] > Array.MaxLength)
            {
                throw new InvalidDataException(
                    $"{source}: tensor '{name}' has dimension {tensor.Shape[i]}, too large.");
            }

            shape[i] = (int)tensor.Shape[i];
            if (tensor.Shape[i] != 1 && tensor.Strides[i] != expectedStride)
            {
                throw new InvalidDataException(
                    $"{source}: tensor '{name}' is not contiguous (shape [{string.Join(", ", tensor.Shape)}], strides "
                    + $"[{string.Join(", ", tensor.Strides)}]); save it with .contiguous() first.");
            }

            expectedStride *= tensor.Shape[i];
        }

        return shape;
    }

    private static float[] ReadTensor(
        ZipArchive archive,
        string root,
        PickleTensor tensor,
        string name,
        string source,
        Dictionary<string, byte[]> storages)
    {
        var storage = tensor.Storage;
        var elementType = PickleMachine.StorageElementType(storage.StorageType)!;
        var storedType = elementType switch
        {
            "float32" => StoredElementType.Float32,
            "float16" => StoredElementType.Float16,
            "bfloat16" => StoredElementType.BFloat16,
            "float64" => StoredElementType.Float64,
            _ => throw new InvalidDataException(
                $"{source}: tensor '{name}' has element type {elementType}; only floating-point tensors can be read."),
        };
        var elementSize = StoredElements.Size(storedType);

        long count = 1;
        foreach (var dimension in tensor.Shape)
        {
            count *= dimension;
        }

        if (count > Array.MaxLength)
        {
            throw new InvalidDataException($"{source}: tensor '{name}' has {count} values, too many for one array.");
        }

        var entryName = $"{root}data/{storage.Key}";
        var entry = archive.GetEntry(entryName) ?? throw new InvalidDataException(
            $"{source}: tensor '{name}' refers to storage '{storage.Key}', but entry '{entryName}' is missing.");
        if (tensor.StorageOffset < 0 || tensor.StorageOffset + count > storage.ElementCount)
        {
            throw new InvalidDataException(
                $"{source}: tensor '{name}' reads elements {tensor.StorageOffset}..{tensor.StorageOffset + count} of "
                + $"storage '{storage.Key}', which has {storage.ElementCount}.");
        }

        if (entry.Length < storage.ElementCount * elementSize)
        {
            throw new InvalidDataException(
                $"{source}: entry '{entryName}' holds {entry.Length} bytes, but its storage declares "
                + $"{storage.ElementCount} {elementType} values ({storage.ElementCount * elementSize} bytes).");
        }

        if (!storages.TryGetValue(entryName, out var bytes))
        {
            bytes = ReadEntry(entry, $"{source}, entry '{entryName}'");
            storages[entryName] = bytes;
        }

        var values = new float[count];
        var data = bytes.AsSpan((int)(tensor.StorageOffset * elementSize), (int)(count * elementSize));
        StoredElements.Convert(data, storedType, values);
        return values;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string source)
    {
        if (entry.Length > Array.MaxLength)
        {
            throw new InvalidDataException($"{source}: the entry is too large ({entry.Length} bytes).");
        }

        var buffer = new byte[entry.Length];
        using var stream = entry.Open();
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException($"{source}: the entry is shorter than its declared length.", exception);
        }

        return buffer;
    }
}
