using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TinyBeauty.Model.Tests.Fixtures;

/// <summary>
/// Writes small PyTorch-style zip checkpoints by hand (pickle opcodes and raw storages) so that tests can cover
/// layouts the official file does not use, and hostile pickles, without Python.
/// </summary>
internal sealed class TorchArchiveBuilder
{
    private readonly MemoryStream _pickle = new();
    private readonly Dictionary<string, byte[]> _storages = [];

    public TorchArchiveBuilder()
    {
        Op(0x80, 2); // PROTO 2
    }

    public TorchArchiveBuilder Op(params byte[] bytes)
    {
        _pickle.Write(bytes);
        return this;
    }

    public TorchArchiveBuilder String(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Op((byte)'X');
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        _pickle.Write(length);
        _pickle.Write(bytes);
        return this;
    }

    public TorchArchiveBuilder Int(int value)
    {
        Op((byte)'J');
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        _pickle.Write(bytes);
        return this;
    }

    public TorchArchiveBuilder Global(string module, string name) =>
        Op((byte)'c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public TorchArchiveBuilder Mark() => Op((byte)'(');

    public TorchArchiveBuilder Tuple() => Op((byte)'t');

    public TorchArchiveBuilder EmptyDict() => Op((byte)'}');

    /// <summary>Pushes a tensor built by _rebuild_tensor_v2 from a new storage.</summary>
    public TorchArchiveBuilder Tensor(
        string storageType,
        string key,
        byte[] storage,
        int elementCount,
        int offset,
        int[] shape,
        int[] strides)
    {
        _storages[key] = storage;
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().String("storage").Global("torch", storageType).String(key).String("cuda:0").Int(elementCount).Tuple();
        Op((byte)'Q'); // BINPERSID
        Int(offset);
        Mark();
        foreach (var dimension in shape)
        {
            Int(dimension);
        }

        Tuple();
        Mark();
        foreach (var stride in strides)
        {
            Int(stride);
        }

        Tuple();
        Op(0x89); // NEWFALSE (requires_grad)
        Global("collections", "OrderedDict").Op((byte)')', (byte)'R');
        Tuple();
        return Op((byte)'R');
    }

    public TorchArchiveBuilder SetItem() => Op((byte)'s');

    public byte[] Pickle => _pickle.ToArray();

    /// <summary>Writes the archive, ending the pickle with STOP.</summary>
    public byte[] Build(string root = "archive")
    {
        Op((byte)'.');
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, $"{root}/data.pkl", _pickle.ToArray());
            foreach (var (key, bytes) in _storages)
            {
                Write(zip, $"{root}/data/{key}", bytes);
            }

            Write(zip, $"{root}/version", Encoding.ASCII.GetBytes("3\n"));
        }

        return buffer.ToArray();
    }

    public static byte[] Float32Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    public static byte[] Float16Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
        }

        return bytes;
    }

    private static void Write(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write(bytes);
    }
}
