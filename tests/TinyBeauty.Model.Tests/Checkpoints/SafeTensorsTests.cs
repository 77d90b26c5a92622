using System.Buffers.Binary;
using System.Text;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Testing;

namespace TinyBeauty.Model.Tests.Checkpoints;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Save_ThenLoad_RoundTripsNamesShapesValuesAndOrder()
    {
        var weights = Sample();
        using var stream = new MemoryStream();

        SafeTensors.Save(weights, stream);
        stream.Position = 0;
        var loaded = SafeTensors.Load(stream);

        Assert.Equal(weights.Keys, loaded.Keys);
        foreach (var tensor in weights.Tensors)
        {
            Assert.Equal(tensor.Shape, loaded[tensor.Name].Shape);
            Assert.Equal(tensor.Data, loaded[tensor.Name].Data);
        }
    }

    [Fact]
    public void Save_HeaderIsPaddedToEightBytesWithSpaces()
    {
        using var stream = new MemoryStream();

        SafeTensors.Save(Sample(), stream, new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = stream.ToArray();
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"}", header, StringComparison.Ordinal);
        Assert.EndsWith("}", header.TrimEnd(' '), StringComparison.Ordinal);
    }

    [Fact]
    public void Save_ToPath_WritesAtomicallyAndKeepsMetadata()
    {
        var path = Path.Combine(_folder, "weights.safetensors");
        File.WriteAllText(path, "old content");

        SafeTensors.Save(Sample(), path, new Dictionary<string, string> { ["style"] = "one" });

        Assert.Equal(["weights.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName));
        Assert.Equal("one", SafeTensors.ReadMetadata(path)["style"]);
        Assert.Equal(Sample().Keys, SafeTensors.Load(path).Keys);
    }

    [Fact]
    public void Load_HalfBFloatAndDouble_ConvertToFloat32()
    {
        var data = new byte[2 + 2 + 8];
        BinaryPrimitives.WriteHalfLittleEndian(data, (Half)1.5f);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2), 0xC040); // bfloat16 -3.0
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(4), 0.25);
        var file = Build(
            """
            {"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},
             "b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},
             "d":{"dtype":"F64","shape":[],"data_offsets":[4,12]}}
            """,
            data);

        var loaded = SafeTensors.Load(new MemoryStream(file));

        Assert.Equal(["h", "b", "d"], loaded.Keys);
        Assert.Equal([1.5f], loaded["h"].Data);
        Assert.Equal([-3f], loaded["b"].Data);
        Assert.Equal([0.25f], loaded["d"].Data);
        Assert.Empty(loaded["d"].Shape);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 8, "'a' spans 4 bytes")]
    [InlineData("""{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", 8, "dtype 'I64'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "leaves a gap")]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"""
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        8,
        "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "only 4 follow")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "bytes follow")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "shape entry -1")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", 4, "dtype, shape and data_offsets")]
    [InlineData("""[1,2,3]""", 0, "not a JSON object")]
    [InlineData("""{"a":""", 0, "not valid JSON")]
    public void Load_CorruptHeader_ThrowsWithProblem(string header, int dataBytes, string expected)
    {
        var file = Build(header, new byte[dataBytes]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(file)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedFiles_Throw()
    {
        using var stream = new MemoryStream();
        SafeTensors.Save(Sample(), stream);
        var bytes = stream.ToArray();

        foreach (var length in new[] { 0, 5, 8, 20, bytes.Length - 1 })
        {
            Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(bytes, 0, length)));
        }
    }

    [Fact]
    public void Load_HugeHeaderLength_IsRejectedBeforeAllocating()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(bytes)));

        Assert.Contains("header length", error.Message, StringComparison.Ordinal);
    }

    [ReferenceFact("reference/tinybeauty-official/style1.pt")]
    public void Save_OfficialWeights_RoundTripsExactly()
    {
        var weights = PyTorchCheckpoint.Load(ReferenceData.Official("style1.pt"));
        var path = Path.Combine(_folder, "style1.safetensors");

        SafeTensors.Save(weights, path);
        var loaded = SafeTensors.Load(path);

        loaded.ValidateFor(TinyBeautyNetOptions.Official);
        Assert.Equal(weights.Keys, loaded.Keys);
        Assert.All(weights.Tensors, tensor => Assert.Equal(tensor.Data, loaded[tensor.Name].Data));
    }

    private static StateDictionary Sample()
    {
        var weights = new StateDictionary();
        weights.Add(new NamedTensor("z.weight", [2, 3], [1f, -2f, 3.5f, float.Epsilon, -0f, 1e30f]));
        weights.Add(new NamedTensor("a.bias", [2], [0.125f, -7f]));
        weights.Add(new NamedTensor("scalar", [], [42f]));
        weights.Add(new NamedTensor("empty", [0, 4], []));
        return weights;
    }

    private static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }
}
