using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Lora;

public sealed class LoraLinearTests
{
    [Fact]
    public void Forward_FreshLayer_EqualsTheBaseLayer()
    {
        random.manual_seed(1);
        using var baseLayer = nn.Linear(6, 5);
        using var input = randn(3, 6);
        using var expected = baseLayer.forward(input);
        using var generator = SeededNoise.CreateGenerator(2);

        using var layer = new LoraLinear(baseLayer, generator: generator);
        using var actual = layer.forward(input);

        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        Assert.True(layer.UpWeight.abs().max().item<float>() == 0);
        Assert.True(layer.DownWeight.abs().max().item<float>() > 0);
    }

    [Fact]
    public void Forward_ScaleZero_EqualsTheBaseLayerEvenWithTrainedWeights()
    {
        random.manual_seed(3);
        using var baseLayer = nn.Linear(6, 5);
        using var input = randn(2, 6);
        using var expected = baseLayer.forward(input);
        using var layer = new LoraLinear(baseLayer);
        using (no_grad())
        {
            layer.UpWeight.fill_(0.5f);
        }

        layer.Scale = 0;
        using var atZero = layer.forward(input);
        layer.Scale = 0.8;
        using var atPointEight = layer.forward(input);

        Assert.Equal(expected.data<float>().ToArray(), atZero.data<float>().ToArray());
        using var delta = matmul(matmul(input, layer.DownWeight.t()), layer.UpWeight.t()) * 0.8;
        Assert.True(atPointEight.allclose(expected + delta, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Constructor_DefaultRank_IsFourWithDiffusersShapesAndFrozenBase()
    {
        using var baseLayer = nn.Linear(10, 7);

        using var layer = new LoraLinear(baseLayer);

        Assert.Equal(4, layer.Rank);
        Assert.Equal([4L, 10L], layer.DownWeight.shape);
        Assert.Equal([7L, 4L], layer.UpWeight.shape);
        var names = layer.named_parameters().Select(entry => entry.name).ToArray();
        Assert.Equal(["weight", "bias", "lora.down.weight", "lora.up.weight"], names);
        Assert.False(layer.named_parameters().First().parameter.requires_grad);
    }

    [Fact]
    public void Constructor_SameSeed_GivesTheSameDownWeights()
    {
        using var first = SeededNoise.CreateGenerator(9);
        using var second = SeededNoise.CreateGenerator(9);

        using var a = new LoraLinear(nn.Linear(6, 6), generator: first);
        using var b = new LoraLinear(nn.Linear(6, 6), generator: second);

        Assert.Equal(a.DownWeight.data<float>().ToArray(), b.DownWeight.data<float>().ToArray());
    }

    [Fact]
    public void Constructor_RankAboveWidth_Throws()
    {
        using var baseLayer = nn.Linear(3, 8);

        Assert.Throws<ArgumentOutOfRangeException>(() => new LoraLinear(baseLayer, rank: 4));
    }

    [Fact]
    public void Scale_NotFinite_Throws()
    {
        using var layer = new LoraLinear(nn.Linear(4, 4));

        Assert.Throws<ArgumentOutOfRangeException>(() => layer.Scale = double.PositiveInfinity);
    }
}
