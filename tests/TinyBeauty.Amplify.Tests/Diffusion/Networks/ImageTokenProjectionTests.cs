using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Model.Checkpoints;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class ImageTokenProjectionTests
{
    [Fact]
    public void NamedParameters_AreTinyBeautyProjKeys()
    {
        using var projection = new ImageTokenProjection(ImageTokenProjectionConfig.TinyTest);

        Assert.Equal(
            ["proj.weight", "proj.bias", "norm.weight", "norm.bias"],
            projection.named_parameters().Select(pair => pair.name));
        Assert.Equal([128L, 32], projection.named_parameters().First().parameter.shape);
    }

    [Fact]
    public void Forward_Embeddings_GiveLayerNormedTokens()
    {
        using var projection = TinyNetworks.Randomize(new ImageTokenProjection(ImageTokenProjectionConfig.TinyTest), 1);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            projection.named_parameters().Single(pair => pair.name == "norm.weight").parameter.fill_(1);
            projection.named_parameters().Single(pair => pair.name == "norm.bias").parameter.fill_(0);
        }

        var tokens = projection.Forward(TinyNetworks.Normal(2, 3, 32));

        Assert.Equal([3L, 4, 32], tokens.shape);
        TinyNetworks.AssertClose(zeros(3, 4), tokens.mean([-1]), 1e-5);
    }

    [Fact]
    public void ConcatenateContext_StyleThenIdentity_GivesSixtyFourTokens()
    {
        using var scope = NewDisposeScope();
        var style = TinyNetworks.Normal(3, 2, 32, 768);
        var identity = TinyNetworks.Normal(4, 2, 32, 768);

        var context = ImageTokenProjection.ConcatenateContext(style, identity);

        Assert.Equal([2L, 64, 768], context.shape);
        TinyNetworks.AssertIdentical(style, context[.., ..32]);
        TinyNetworks.AssertIdentical(identity, context[.., 32..]);
    }

    [Fact]
    public void ConcatenateContext_DifferentWidths_Throws()
    {
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(
            () => ImageTokenProjection.ConcatenateContext(zeros(1, 32, 768), zeros(1, 32, 512)));
    }

    [Fact]
    public void Forward_WrongEmbeddingWidth_Throws()
    {
        using var projection = new ImageTokenProjection(ImageTokenProjectionConfig.TinyTest);
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => projection.Forward(zeros(1, 33)));
    }

    [Fact]
    public void Load_StateDictionaryWithProjKeys_GivesTheSameTokens()
    {
        using var original = TinyNetworks.Randomize(new ImageTokenProjection(ImageTokenProjectionConfig.TinyTest), 5);
        using var reloaded = new ImageTokenProjection(ImageTokenProjectionConfig.TinyTest);
        using var scope = NewDisposeScope();
        var weights = new StateDictionary();
        foreach (var (name, parameter) in original.named_parameters())
        {
            var shape = parameter.shape.Select(dimension => (int)dimension).ToArray();
            weights.Add(new NamedTensor(name, shape, parameter.data<float>().ToArray()));
        }

        DiffusionWeights.Load(reloaded, weights, "proj.pth");

        var embeddings = TinyNetworks.Normal(6, 2, 32);
        TinyNetworks.AssertIdentical(original.Forward(embeddings), reloaded.Forward(embeddings));
    }

    [Fact]
    public void Load_StateDictionaryMissingNorm_ThrowsNamingSourceAndTensor()
    {
        using var projection = new ImageTokenProjection(ImageTokenProjectionConfig.TinyTest);
        var weights = new StateDictionary();
        weights.Add(new NamedTensor("proj.weight", [128, 32], new float[128 * 32]));
        weights.Add(new NamedTensor("proj.bias", [128], new float[128]));

        var error = Assert.Throws<DiffusionWeightsException>(
            () => DiffusionWeights.Load(projection, weights, "proj.pth"));

        Assert.Contains("'proj.pth'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'norm.weight'", error.Message, StringComparison.Ordinal);
    }
}
