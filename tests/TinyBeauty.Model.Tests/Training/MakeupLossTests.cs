using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

public sealed class MakeupLossTests
{
    private const int Side = 16;

    [Fact]
    public void Options_Defaults_AreL1OneEyelinerHalfOthersOff()
    {
        var options = new MakeupLossOptions();

        Assert.Equal(1.0, options.ReconstructionWeight);
        Assert.Equal(0.5, options.EyelinerWeight);
        Assert.Equal(0.0, options.PerceptualWeight);
        Assert.Null(options.PerceptualWeightsPath);
        Assert.Equal(0.0, options.AdversarialWeight);
    }

    [Theory]
    [InlineData(-1, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(1, double.PositiveInfinity)]
    [InlineData(0, 0)]
    public void Options_InvalidWeights_Throw(double reconstruction, double eyeliner)
    {
        var options = new MakeupLossOptions { ReconstructionWeight = reconstruction, EyelinerWeight = eyeliner };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    [Fact]
    public void Compute_Defaults_IsL1PlusHalfTheEyelinerTerm()
    {
        var (output, target, mask) = Batch(seed: 1);
        using var loss = new MakeupLoss();
        using var reconstruction = ReconstructionLoss.Compute(output, target);
        using var eyeliner = EyelinerLoss.Compute(output, target, mask);

        var (total, breakdown) = loss.Compute(output, target, mask);

        using (total)
        {
            var expected = reconstruction.ToDouble() + (0.5 * eyeliner.ToDouble());
            Assert.Equal(expected, total.ToDouble(), 1e-6);
            Assert.Equal(expected, breakdown.Total, 1e-6);
            Assert.Equal(reconstruction.ToSingle(), breakdown.Reconstruction, 1e-6);
            Assert.Equal(eyeliner.ToSingle(), breakdown.Eyeliner, 1e-6);
            Assert.Equal(0f, breakdown.Perceptual);
            Assert.Equal(0f, breakdown.Adversarial);
        }
    }

    [Fact]
    public void Compute_EyelinerOnWithoutMask_ThrowsNamingTheMask()
    {
        var (output, target, _) = Batch(seed: 2);
        using var loss = new MakeupLoss();

        var exception = Assert.Throws<ArgumentException>(() => loss.Compute(output, target));

        Assert.Equal("eyeMask", exception.ParamName);
    }

    [Fact]
    public void Compute_EyelinerOff_NeedsNoMask()
    {
        var (output, target, _) = Batch(seed: 3);
        using var loss = new MakeupLoss(new MakeupLossOptions { EyelinerWeight = 0 });
        using var reconstruction = ReconstructionLoss.Compute(output, target);

        var (total, breakdown) = loss.Compute(output, target);

        using (total)
        {
            Assert.Equal(reconstruction.ToDouble(), total.ToDouble(), 1e-6);
            Assert.Equal(0f, breakdown.Eyeliner);
        }
    }

    [Fact]
    public void Constructor_PerceptualOnWithoutWeights_Throws()
    {
        var options = new MakeupLossOptions { PerceptualWeight = 0.1 };

        var exception = Assert.Throws<ArgumentException>(() => new MakeupLoss(options));

        Assert.Equal("perceptual", exception.ParamName);
    }

    [Fact]
    public void Constructor_AdversarialOnWithoutDiscriminator_Throws()
    {
        var options = new MakeupLossOptions { AdversarialWeight = 0.01 };

        var exception = Assert.Throws<ArgumentException>(() => new MakeupLoss(options));

        Assert.Equal("discriminator", exception.ParamName);
    }

    [Fact]
    public void Compute_AllTerms_AddsEachWeightedTermAndBackpropagatesToTheOutput()
    {
        var (output, target, mask) = Batch(seed: 4);
        output.requires_grad_(true);
        var path = PerceptualLossTests.WriteCheckpoint(PerceptualLossTests.SharedWeights);
        try
        {
            torch.manual_seed(5);
            using var discriminator = new PatchDiscriminator(width: 4, depth: 2);
            discriminator.eval();
            var options = new MakeupLossOptions
            {
                PerceptualWeight = 0.2,
                PerceptualWeightsPath = path,
                AdversarialWeight = 0.1,
            };
            using var loss = new MakeupLoss(options, discriminator: discriminator);

            var (total, breakdown) = loss.Compute(output, target, mask);

            using (total)
            {
                Assert.NotNull(loss.Perceptual);
                Assert.True(breakdown.Perceptual > 0);
                Assert.True(breakdown.Adversarial > 0);
                var expected = breakdown.Reconstruction + (0.5 * breakdown.Eyeliner) + (0.2 * breakdown.Perceptual)
                    + (0.1 * breakdown.Adversarial);
                Assert.Equal(expected, total.ToDouble(), Math.Abs(expected) * 1e-6);
                total.backward();
                using var gradient = output.grad!;
                Assert.True(gradient.abs().sum().ToDouble() > 0);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Compute_GivenPerceptualModule_UsesItAndLeavesItUndisposed()
    {
        var (output, target, mask) = Batch(seed: 6);
        using var perceptual = PerceptualLoss.FromWeights(PerceptualLossTests.SharedWeights);
        var options = new MakeupLossOptions { PerceptualWeight = 1 };
        using var expected = perceptual.forward(output, target);

        using (var loss = new MakeupLoss(options, perceptual))
        {
            var (total, breakdown) = loss.Compute(output, target, mask);
            total.Dispose();
            Assert.Equal(expected.ToSingle(), breakdown.Perceptual, 1e-6);
        }

        using var again = perceptual.forward(output, target);
        Assert.Equal(expected.ToDouble(), again.ToDouble(), 1e-7);
    }

    [Fact]
    public void Compute_AfterDispose_Throws()
    {
        var (output, target, mask) = Batch(seed: 7);
        var loss = new MakeupLoss();
        loss.Dispose();

        Assert.Throws<ObjectDisposedException>(() => loss.Compute(output, target, mask));
    }

    private static (Tensor Output, Tensor Target, Tensor Mask) Batch(int seed)
    {
        torch.manual_seed(seed);
        var output = (rand(2, 3, Side, Side) * 2) - 1;
        var target = (rand(2, 3, Side, Side) * 2) - 1;
        var mask = zeros(2, 1, Side, Side);
        using (no_grad())
        {
            mask[.., .., 4..10, 2..14] = tensor(1.0f);
        }

        return (output, target, mask);
    }
}
