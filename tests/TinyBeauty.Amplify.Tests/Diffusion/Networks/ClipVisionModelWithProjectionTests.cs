using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Testing;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class ClipVisionModelWithProjectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-clip-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [ReferenceFact("reference/sd15/tiny/clip-vision-tiny-test-keys.tsv")]
    public void NamedParameters_TinyConfig_EqualTinyTable()
    {
        using var encoder = new ClipVisionModelWithProjection(ClipVisionConfig.TinyTest);

        KeyTable.AssertMatches("tiny/clip-vision-tiny-test-keys.tsv", TinyNetworks.Rows(encoder));
    }

    [Fact]
    public void Forward_TinyEncoder_ReturnsOneEmbeddingPerImage()
    {
        using var encoder = TinyNetworks.Randomize(new ClipVisionModelWithProjection(ClipVisionConfig.TinyTest), 1);
        using var scope = NewDisposeScope();
        var images = TinyNetworks.Normal(2, 2, 3, 224, 224);

        var embeddings = encoder.Forward(images);
        var first = encoder.Forward(images[..1]);

        Assert.Equal([2L, 32], embeddings.shape);
        TinyNetworks.AssertClose(embeddings[..1], first, 1e-5);
    }

    [Fact]
    public void Forward_WrongImageSize_Throws()
    {
        using var encoder = new ClipVisionModelWithProjection(ClipVisionConfig.TinyTest);
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => encoder.Forward(zeros(1, 3, 112, 112)));
    }

    [Fact]
    public void Load_FileWithPositionIdsBuffer_IsAcceptedAndGivesTheSameEmbeddings()
    {
        var withBuffer = Path.Combine(_folder, "old.safetensors");
        var without = Path.Combine(_folder, "new.safetensors");
        using var original = TinyNetworks.Randomize(new ClipVisionModelWithProjection(ClipVisionConfig.TinyTest), 3);
        using var fromOld = new ClipVisionModelWithProjection(ClipVisionConfig.TinyTest);
        using var fromNew = new ClipVisionModelWithProjection(ClipVisionConfig.TinyTest);
        using var scope = NewDisposeScope();
        var positions = arange(257L, dtype: ScalarType.Int64).unsqueeze(0);
        TinyNetworks.WriteEdited(
            original,
            withBuffer,
            tensors => tensors.Prepend((ClipVisionModelWithProjection.PositionIdsKey, positions)).ToList());
        DiffusionWeights.Save(original, without);
        var images = TinyNetworks.Normal(4, 1, 3, 224, 224);

        DiffusionWeights.Load(fromOld, withBuffer);
        DiffusionWeights.Load(fromNew, without);

        var expected = original.Forward(images);
        TinyNetworks.AssertIdentical(expected, fromOld.Forward(images));
        TinyNetworks.AssertIdentical(expected, fromNew.Forward(images));
    }
}
