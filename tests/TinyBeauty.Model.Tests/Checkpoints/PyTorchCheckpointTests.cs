using System.Globalization;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Tests.Fixtures;
using TinyBeauty.Testing;

namespace TinyBeauty.Model.Tests.Checkpoints;

public sealed class PyTorchCheckpointTests
{
    private const string OfficialCheckpoint = "reference/tinybeauty-official/style1.pt";
    private const string OfficialKeys = "reference/tinybeauty-official/keys-style1.tsv";

    [ReferenceFact(OfficialCheckpoint, OfficialKeys)]
    public void Load_OfficialCheckpoint_MatchesKeyTableAndOptions()
    {
        var weights = PyTorchCheckpoint.Load(ReferenceData.Official("style1.pt"));

        var table = File.ReadAllLines(ReferenceData.Official("keys-style1.tsv"))
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .ToArray();
        Assert.Equal(32, weights.Count);
        Assert.Equal(table.Select(row => row[0]), weights.Keys);
        for (var i = 0; i < table.Length; i++)
        {
            Assert.Equal(table[i][1], NamedTensor.FormatShape(weights.Tensors[i].Shape));
            Assert.Equal(int.Parse(table[i][3], CultureInfo.InvariantCulture), weights.Tensors[i].Data.Length);
        }

        Assert.Equal(85_227, weights.Tensors.Sum(tensor => (long)tensor.Data.Length));
        weights.ValidateFor(TinyBeautyNetOptions.Official);
        Assert.All(weights.Tensors, tensor => Assert.All(tensor.Data, value => Assert.True(float.IsFinite(value))));
    }

    [ReferenceFact(OfficialCheckpoint)]
    public void Load_OfficialCheckpointFromStream_EqualsFileLoad()
    {
        var fromFile = PyTorchCheckpoint.Load(ReferenceData.Official("style1.pt"));
        using var stream = new MemoryStream(File.ReadAllBytes(ReferenceData.Official("style1.pt")));

        var fromStream = PyTorchCheckpoint.Load(stream);

        Assert.Equal(fromFile.Keys, fromStream.Keys);
        Assert.Equal(fromFile["out.conv.weight"].Data, fromStream["out.conv.weight"].Data);
    }

    [ReferenceFact(OfficialCheckpoint)]
    public void Load_MissingEntry_ListsTopLevelKeys()
    {
        var error = Assert.Throws<InvalidDataException>(
            () => PyTorchCheckpoint.Load(ReferenceData.Official("style1.pt"), "model"));

        Assert.Contains("'model'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'cleaner'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'optimizer'", error.Message, StringComparison.Ordinal);
    }

    [ReferenceFact(OfficialCheckpoint)]
    public void Load_TruncatedOfficialCheckpoint_ThrowsInvalidData()
    {
        var bytes = File.ReadAllBytes(ReferenceData.Official("style1.pt"));
        using var stream = new MemoryStream(bytes, 0, bytes.Length / 2);

        Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream));
    }

    [Fact]
    public void Load_EmptyStream_SaysNotACheckpoint()
    {
        using var stream = new MemoryStream();

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream));

        Assert.Contains("not a PyTorch zip checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TextFile_SaysNotACheckpoint()
    {
        using var stream = new MemoryStream("this is not a zip file at all, just some text"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream));

        Assert.Contains("not a PyTorch zip checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ZipWithoutPickle_SaysWhatIsMissing()
    {
        using var stream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(
            stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.CreateEntry("readme.txt");
        }

        stream.Position = 0;

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream));

        Assert.Contains("data.pkl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ForbiddenGlobal_IsRefusedAndNamed()
    {
        // The classic exploit: os.system('echo pwned') through REDUCE.
        var builder = new TorchArchiveBuilder()
            .Global("os", "system")
            .Mark().String("echo pwned").Tuple()
            .Op((byte)'R');
        using var stream = new MemoryStream(builder.Build());

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream, null));

        Assert.Contains("'os.system'", error.Message, StringComparison.Ordinal);
        Assert.Contains("allow-list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ForbiddenStackGlobal_IsRefusedAndNamed()
    {
        var builder = new TorchArchiveBuilder()
            .String("builtins").String("eval").Op(0x93)
            .Mark().String("1+1").Tuple()
            .Op((byte)'R');
        using var stream = new MemoryStream(builder.Build());

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream, null));

        Assert.Contains("'builtins.eval'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HandWrittenStateDict_ConvertsHalfHonoursOffsetAndStripsModulePrefix()
    {
        // A bare state dict (no entry), written in a folder that is not called "archive", with a float16 tensor
        // and a float32 view that starts at element 2 of a larger storage with a non-numeric key.
        var builder = new TorchArchiveBuilder()
            .Global("collections", "OrderedDict").Op((byte)')', (byte)'R')
            .String("module.half")
            .Tensor("HalfStorage", "7", TorchArchiveBuilder.Float16Bytes(0.5f, -2f, 1.25f), 3, 0, [3], [1])
            .SetItem()
            .String("module.view")
            .Tensor(
                "FloatStorage",
                "weights_b",
                TorchArchiveBuilder.Float32Bytes(9f, 9f, 1f, 2f, 3f, 4f, 5f, 6f),
                8,
                2,
                [2, 3],
                [3, 1])
            .SetItem();
        using var stream = new MemoryStream(builder.Build("my_model"));

        var weights = PyTorchCheckpoint.Load(stream, null);

        Assert.Equal(["half", "view"], weights.Keys);
        Assert.Equal([0.5f, -2f, 1.25f], weights["half"].Data);
        Assert.Equal([2, 3], weights["view"].Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], weights["view"].Data);
    }

    [Fact]
    public void Load_NonContiguousTensor_IsRejectedWithName()
    {
        var builder = new TorchArchiveBuilder()
            .Global("collections", "OrderedDict").Op((byte)')', (byte)'R')
            .String("transposed")
            .Tensor("FloatStorage", "0", TorchArchiveBuilder.Float32Bytes(1, 2, 3, 4, 5, 6), 6, 0, [3, 2], [1, 3])
            .SetItem();
        using var stream = new MemoryStream(builder.Build());

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream, null));

        Assert.Contains("'transposed'", error.Message, StringComparison.Ordinal);
        Assert.Contains("contiguous", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IntegerTensor_IsRejectedWithName()
    {
        var builder = new TorchArchiveBuilder()
            .Global("collections", "OrderedDict").Op((byte)')', (byte)'R')
            .String("num_batches_tracked")
            .Tensor("LongStorage", "0", new byte[8], 1, 0, [], [])
            .SetItem();
        using var stream = new MemoryStream(builder.Build());

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream, null));

        Assert.Contains("'num_batches_tracked'", error.Message, StringComparison.Ordinal);
        Assert.Contains("int64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CallingAStorageType_IsRefused()
    {
        var builder = new TorchArchiveBuilder()
            .Global("torch", "FloatStorage")
            .Mark().Int(4).Tuple()
            .Op((byte)'R');
        using var stream = new MemoryStream(builder.Build());

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream, null));

        Assert.Contains("cannot call global 'torch.FloatStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StorageTooShort_IsRejectedWithEntry()
    {
        var builder = new TorchArchiveBuilder()
            .Global("collections", "OrderedDict").Op((byte)')', (byte)'R')
            .String("short")
            .Tensor("FloatStorage", "0", TorchArchiveBuilder.Float32Bytes(1, 2), 4, 0, [4], [1])
            .SetItem();
        using var stream = new MemoryStream(builder.Build());

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream, null));

        Assert.Contains("archive/data/0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedPickle_ThrowsInvalidData()
    {
        var builder = new TorchArchiveBuilder().Global("collections", "OrderedDict").Op((byte)')');
        var pickle = builder.Pickle;
        using var stream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(
            stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("archive/data.pkl").Open();
            entry.Write(pickle);
        }

        stream.Position = 0;

        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(stream, null));

        Assert.Contains("archive/data.pkl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TorchSaveFixture_ReadsEveryDtypeViewAndParameter()
    {
        var weights = PyTorchCheckpoint.Load(Fixture("tiny_checkpoint.pt"));

        AssertFixtureContents(weights);
    }

    [Fact]
    public void Load_TorchSaveProtocol4Fixture_ReadsSameTensors()
    {
        var weights = PyTorchCheckpoint.Load(Fixture("tiny_checkpoint_protocol4.pt"));

        AssertFixtureContents(weights);
    }

    [Fact]
    public void Load_BareModuleStateDictFixture_StripsPrefix()
    {
        var weights = PyTorchCheckpoint.Load(Fixture("tiny_module_state_dict.pt"), entry: null);

        AssertFixtureContents(weights);
    }

    [Fact]
    public void Load_TorchSaveFixtureWithoutEntry_ListsKeys()
    {
        var error = Assert.Throws<InvalidDataException>(
            () => PyTorchCheckpoint.Load(Fixture("tiny_module_state_dict.pt")));

        Assert.Contains("'module.a.weight'", error.Message, StringComparison.Ordinal);
    }

    private static void AssertFixtureContents(StateDictionary weights)
    {
        // Values written by Fixtures/make_checkpoints.py.
        Assert.Equal(
            ["a.weight", "b.half", "c.view", "c.base", "d.bfloat16", "e.double", "f.parameter", "g.scalar"],
            weights.Keys);
        Assert.Equal([2, 3], weights["a.weight"].Shape);
        Assert.Equal([1f, -2f, 3.5f, 0.25f, 0f, -7f], weights["a.weight"].Data);
        Assert.Equal([0.5f, -1.25f, 3f, 65504f], weights["b.half"].Data);
        Assert.Equal([2, 3], weights["c.view"].Shape);
        Assert.Equal([1f, 1.25f, 1.5f, 1.75f, 2f, 2.25f], weights["c.view"].Data);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i / 4f), weights["c.base"].Data);
        Assert.Equal([1f, -3f, 0.15625f], weights["d.bfloat16"].Data);
        Assert.Equal([2, 1], weights["e.double"].Shape);
        Assert.Equal([0.1f, 1e-3f], weights["e.double"].Data);
        Assert.Equal([2f, 4f], weights["f.parameter"].Data);
        Assert.Empty(weights["g.scalar"].Shape);
        Assert.Equal([42f], weights["g.scalar"].Data);
    }

    private static string Fixture(string name) =>
        Path.Combine(RepositoryData.Root, "tests", "TinyBeauty.Model.Tests", "Fixtures", name);
}
