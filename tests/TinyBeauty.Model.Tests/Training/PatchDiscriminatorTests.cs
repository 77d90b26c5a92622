using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

public sealed class PatchDiscriminatorTests
{
    [Theory]
    [InlineData(2, 64, 64, 3, 8, 8)]
    [InlineData(1, 96, 128, 3, 12, 16)]
    [InlineData(1, 96, 128, 2, 24, 32)]
    public void Forward_Image_GivesOneScorePerPatch(
        int batch,
        int height,
        int width,
        int depth,
        int scoreHeight,
        int scoreWidth)
    {
        torch.manual_seed(1);
        using var discriminator = new PatchDiscriminator(width: 8, depth: depth);
        using var input = rand(batch, 3, height, width) * 2 - 1;

        using var scores = discriminator.forward(input);

        Assert.Equal([(long)batch, 1, scoreHeight, scoreWidth], scores.shape);
    }

    [Fact]
    public void Constructor_Defaults_NamesParametersAndPowerIterationBuffers()
    {
        using var discriminator = new PatchDiscriminator();

        var keys = discriminator.state_dict().Keys.ToHashSet();

        Assert.Equal(64, discriminator.Width);
        Assert.Equal(3, discriminator.Depth);
        Assert.Contains("layers.0.weight_orig", keys);
        Assert.Contains("layers.0.bias", keys);
        Assert.Contains("layers.0.weight_u", keys);
        Assert.Contains("layers.3.weight_v", keys);
        Assert.Equal(8, discriminator.parameters().Count());
        Assert.Equal([256L, 128, 4, 4], discriminator.state_dict()["layers.2.weight_orig"].shape);
        Assert.Equal([1L, 256, 3, 3], discriminator.state_dict()["layers.3.weight_orig"].shape);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(8, 0)]
    [InlineData(8, 9)]
    public void Constructor_OutOfRange_Throws(int width, int depth)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PatchDiscriminator(width, depth));
    }

    [Fact]
    public void Forward_TooSmall_ThrowsNamingTheShape()
    {
        using var discriminator = new PatchDiscriminator(width: 4, depth: 3);
        using var input = zeros(1, 3, 4, 16);

        var exception = Assert.Throws<ArgumentException>(() => discriminator.forward(input));

        Assert.Contains("[1, 3, 4, 16]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SpectralNorm_AfterPowerIterations_LargestSingularValueIsNearOne()
    {
        torch.manual_seed(2);
        using var discriminator = new PatchDiscriminator(width: 16, depth: 3);
        using var input = rand(1, 3, 32, 32) * 2 - 1;

        for (var iteration = 0; iteration < 30; iteration++)
        {
            using var scope = NewDisposeScope();
            discriminator.forward(input);
        }

        foreach (var convolution in discriminator.Convolutions)
        {
            using var scope = NewDisposeScope();
            var weight = convolution.NormalizedWeight(iterate: false).detach().to_type(ScalarType.Float64);
            var largest = linalg.svdvals(weight.reshape(weight.shape[0], -1))[0].ToDouble();
            Assert.InRange(largest, 0.98, 1.02);
        }
    }

    [Fact]
    public void SpectralNorm_EvaluationMode_KeepsTheStoredVectors()
    {
        torch.manual_seed(3);
        using var discriminator = new PatchDiscriminator(width: 4, depth: 2);
        using var input = rand(1, 3, 16, 16);
        var u = discriminator.state_dict()["layers.0.weight_u"];
        using var before = u.clone();

        discriminator.eval();
        using (discriminator.forward(input))
        {
        }

        Assert.True(u.allclose(before, rtol: 0, atol: 0), "Evaluation must not advance the power iteration.");

        discriminator.train();
        using (discriminator.forward(input))
        {
        }

        Assert.False(u.allclose(before, rtol: 0, atol: 0), "Training must advance the power iteration.");
    }

    [Fact]
    public void To_Float64_MovesParametersAndPowerIterationBuffers()
    {
        torch.manual_seed(5);
        using var discriminator = new PatchDiscriminator(width: 4, depth: 2);
        discriminator.to(ScalarType.Float64);
        using var input = rand(1, 3, 16, 16, dtype: ScalarType.Float64);

        using var scores = discriminator.forward(input);

        Assert.Equal(ScalarType.Float64, scores.dtype);
        Assert.All(discriminator.state_dict().Values, value => Assert.Equal(ScalarType.Float64, value.dtype));
        Assert.All(discriminator.parameters(), parameter => Assert.True(parameter.requires_grad));
    }

    [Fact]
    public void AdamSteps_FixedRealAndFakeBatches_LowerTheDiscriminatorLoss()
    {
        torch.manual_seed(4);
        using var discriminator = new PatchDiscriminator(width: 8, depth: 2);
        using var real = (rand(4, 3, 16, 16) * 0.5) + 0.25;
        using var fake = (rand(4, 3, 16, 16) * 0.5) - 0.75;
        using var optimizer = optim.Adam(discriminator.parameters(), lr: 0.002);
        var losses = new List<float>();

        for (var step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = AdversarialLoss.DiscriminatorLoss(discriminator.forward(real), discriminator.forward(fake));
            loss.backward();
            optimizer.step();
            losses.Add(loss.ToSingle());
        }

        Assert.All(losses, loss => Assert.True(float.IsFinite(loss)));
        Assert.True(losses[^1] < 0.5f * losses[0], $"The loss went from {losses[0]} to {losses[^1]}.");
    }
}
