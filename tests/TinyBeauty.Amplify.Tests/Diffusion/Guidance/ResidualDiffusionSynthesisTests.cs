using TinyBeauty.Amplify.Diffusion.Guidance;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Guidance;

public sealed class ResidualDiffusionSynthesisTests
{
    [Fact]
    public void Compose_HandComputedValues_FollowTheFormula()
    {
        // One channel, two pixels: x = [1, 2], F(x) = [0.5, 1], F(x, c) = [2, 0], M = [1, 0.5].
        using var input = tensor(new[] { 1f, 2f }, [1, 1, 1, 2]);
        using var unconditional = tensor(new[] { 0.5f, 1f }, [1, 1, 1, 2]);
        using var conditional = tensor(new[] { 2f, 0f }, [1, 1, 1, 2]);
        using var mask = tensor(new[] { 1f, 0.5f }, [1, 1, 1, 2]);

        using var output = ResidualDiffusionSynthesis.Compose(
            input, unconditional, [new StyleRegion(conditional, mask)], ResidualDiffusionOptions.Paper);

        // 0.5 + 1 * 0.8 * 0.5 + 1 * 1 * 1.5 = 2.4 and 1 + 0.5 * 0.8 * 1 + 0.5 * 1 * (-1) = 0.9.
        Assert.Equal(2.4f, output.data<float>()[0], 5);
        Assert.Equal(0.9f, output.data<float>()[1], 5);
    }

    [Fact]
    public void Compose_ReleasedCodeWeights_UseLambdaPointNineAndPointSeven()
    {
        using var input = tensor(new[] { 1f }, [1, 1, 1, 1]);
        using var unconditional = tensor(new[] { 0f }, [1, 1, 1, 1]);
        using var conditional = tensor(new[] { 2f }, [1, 1, 1, 1]);
        using var mask = ones(1, 1, 1, 1);

        using var output = ResidualDiffusionSynthesis.Compose(
            input, unconditional, [new StyleRegion(conditional, mask)], ResidualDiffusionOptions.ReleasedCode);

        Assert.Equal(0.7f + 1.8f, output.item<float>(), 5);
    }

    [Fact]
    public void Compose_MaskZero_GivesTheUnconditionalOutput()
    {
        random.manual_seed(2);
        using var input = randn(2, 3, 4, 4);
        using var unconditional = randn(2, 3, 4, 4);
        using var conditional = randn(2, 3, 4, 4);
        using var mask = zeros(1, 1, 4, 4);

        using var output = ResidualDiffusionSynthesis.Compose(input, unconditional, [new(conditional, mask)]);

        Assert.Equal(unconditional.data<float>().ToArray(), output.data<float>().ToArray());
    }

    [Fact]
    public void Compose_MaskOneDetailOneStyleZero_GivesTheInput()
    {
        random.manual_seed(3);
        using var input = randn(1, 3, 4, 4);
        using var unconditional = randn(1, 3, 4, 4);
        using var conditional = randn(1, 3, 4, 4);
        using var mask = ones(1, 1, 4, 4);
        var options = new ResidualDiffusionOptions { DetailWeight = 1, StyleWeight = 0 };

        using var output = ResidualDiffusionSynthesis.Compose(input, unconditional, [new(conditional, mask)], options);

        Assert.True(output.allclose(input, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Compose_TwoStylesOnTwoRegions_EachRegionTakesItsOwnStyleAndWeight()
    {
        using var input = tensor(new[] { 1f, 1f, 1f }, [1, 1, 1, 3]);
        using var unconditional = zeros(1, 1, 1, 3);
        using var lips = full(1, 1, 1, 3, 2f);
        using var eyes = full(1, 1, 1, 3, -2f);
        using var lipsMask = tensor(new[] { 1f, 0f, 0f }, [1, 1, 1, 3]);
        using var eyesMask = tensor(new[] { 0f, 1f, 0f }, [1, 1, 1, 3]);

        using var output = ResidualDiffusionSynthesis.Compose(
            input,
            unconditional,
            [new StyleRegion(lips, lipsMask), new StyleRegion(eyes, eyesMask, StyleWeight: 0.5)]);

        Assert.Equal([0.8f + 2f, 0.8f - 1f, 0f], output.data<float>().ToArray());
    }

    [Fact]
    public void Options_Defaults_AreThePapersWeightsAndTheReleasedBranchSettings()
    {
        var options = new ResidualDiffusionOptions();

        Assert.Equal((1.0, 0.8), (options.StyleWeight, options.DetailWeight));
        Assert.Equal(new BranchSettings(null, 0.8), options.UnconditionalBranch);
        Assert.Equal(new BranchSettings(2.5, 0.9), options.ConditionalBranch);
        Assert.Equal((0.9, 0.7), (ResidualDiffusionOptions.ReleasedCode.StyleWeight,
            ResidualDiffusionOptions.ReleasedCode.DetailWeight));
    }

    [Fact]
    public void Compose_BadArguments_ThrowNamingTheStyle()
    {
        using var input = zeros(1, 3, 4, 4);
        using var goodMask = ones(1, 1, 4, 4);
        using var wrongMask = zeros(1, 1, 4, 5);

        var exception = Assert.Throws<ArgumentException>(
            () => ResidualDiffusionSynthesis.Compose(input, input, [new(input, goodMask), new(input, wrongMask)]));

        Assert.Contains("Style 1", exception.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ResidualDiffusionSynthesis.Compose(input, input, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ResidualDiffusionSynthesis.Compose(
            input, input, [new(input, wrongMask)], new ResidualDiffusionOptions { DetailWeight = double.NaN }));
    }
}
