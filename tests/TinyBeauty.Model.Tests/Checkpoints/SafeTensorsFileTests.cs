using System.Buffers.Binary;
using System.Text;
using TinyBeauty.Model.Checkpoints;

namespace TinyBeauty.Model.Tests.Checkpoints;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-safetensors-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Open_SavedFile_ListsEntriesAndReadsEachTensor()
    {
        var weights = new StateDictionary();
        weights.Add(new NamedTensor("b.weight", [2, 3], [1f, -2f, 3.5f, 4f, -0f, 1e30f]));
        weights.Add(new NamedTensor("a.bias", [2], [0.125f, -7f]));
        var path = Path.Combine(_folder, "weights.safetensors");
        SafeTensors.Save(weights, path, new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(["b.weight", "a.bias"], file.Entries.Select(entry => entry.Name));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.True(file.TryGetEntry("b.weight", out var entry));
        Assert.Equal("F32", entry.DType);
        Assert.Equal([2, 3], entry.Shape);
        Assert.Equal(6, entry.ElementCount);
        Assert.Equal(24, entry.ByteLength);
        Assert.Equal(weights["b.weight"].Data, file.ReadFloat32(entry));
        Assert.Equal(weights["a.bias"].Data, file.ReadFloat32(file.Entries[1]));
        Assert.False(file.TryGetEntry("missing", out _));
    }

    [Fact]
    public void ReadFloat32_HalfAndBFloat_ConvertToFloat32()
    {
        var data = new byte[6];
        BinaryPrimitives.WriteHalfLittleEndian(data, (Half)1.5f);
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2), (Half)(-0.25f));
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(4), 0xC040); // bfloat16 -3.0
        var path = Write(
            """
            {"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
             "b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}
            """,
            data);

        using var file = SafeTensorsFile.Open(path);

        Assert.Equal([1.5f, -0.25f], file.ReadFloat32(file.Entries[0]));
        Assert.Equal([-3f], file.ReadFloat32(file.Entries[1]));
    }

    [Fact]
    public void ReadFloat32_TensorLargerThanOneChunk_ReadsEveryValue()
    {
        var values = Enumerable.Range(0, 700_000).Select(index => index * 0.5f).ToArray();
        var weights = new StateDictionary();
        weights.Add(new NamedTensor("large", [700, 1000], values));
        var path = Path.Combine(_folder, "large.safetensors");
        SafeTensors.Save(weights, path);

        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(values, file.ReadFloat32(file.Entries[0]));
    }

    [Fact]
    public void ReadFloat32_WrongDestinationLength_Throws()
    {
        var path = Write("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]);
        using var file = SafeTensorsFile.Open(path);

        var error = Assert.Throws<ArgumentException>(() => file.ReadFloat32(file.Entries[0], new float[3]));

        Assert.Contains("holds 2 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFloat32_EntryOfAnotherFile_Throws()
    {
        var path = Write("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        using var first = SafeTensorsFile.Open(path);
        using var second = SafeTensorsFile.Open(path);

        Assert.Throws<ArgumentException>(() => first.ReadFloat32(second.Entries[0]));
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "holds 4 after the header")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "holds 8 after the header")]
    [InlineData("""{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}""", 8, "dtype 'C64'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "leaves a gap")]
    public void Open_BadFile_ThrowsNamingTheProblem(string header, int dataBytes, string expected)
    {
        var path = Write(header, new byte[dataBytes]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("bad.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IntegerBuffer_IsListedButNotReadAsFloat()
    {
        var path = Write(
            """
            {"position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},
             "w":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}
            """,
            new byte[20]);
        using var file = SafeTensorsFile.Open(path);

        Assert.Equal("I64", file.Entries[0].DType);
        Assert.Equal([0f], file.ReadFloat32(file.Entries[1]));
        Assert.Throws<NotSupportedException>(() => file.ReadFloat32(file.Entries[0]));
    }

    [Fact]
    public void Open_HeaderLengthBeyondFile_Throws()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        var path = Path.Combine(_folder, "short.safetensors");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));

        Assert.Contains("header length", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Open(Path.Combine(_folder, "none.safetensors")));
    }

    private string Write(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        var path = Path.Combine(_folder, "bad.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
