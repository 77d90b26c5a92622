using TinyBeauty.Amplify.Diffusion.Networks;
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
}
