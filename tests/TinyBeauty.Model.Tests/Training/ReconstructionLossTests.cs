using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

public sealed class ReconstructionLossTests
{
    [Fact]
    public void Compute_KnownPair_IsTheMeanAbsoluteDifference()
    {
        using var output = zeros(1, 3, 2, 2);
        using var target = full(1, 3, 2, 2, 0.5f);
        using (no_grad())
        {
            target[0, 0, 0, 0] = tensor(-1.0f);
        }

        using var loss = ReconstructionLoss.Compute(output, target);

        // Eleven differences of 0.5 and one of 1, over twelve values.
        Assert.Equal((11 * 0.5 + 1) / 12, loss.ToDouble(), 1e-6);
    }

    [Fact]
    public void Compute_PixelWeights_WeighEachPixelsChannels()
    {
        using var output = zeros(1, 3, 1, 2);
        using var target = tensor(new[] { 1f, 0f, 1f, 0f, 1f, 0f }, [1, 3, 1, 2]);
        using var weights = tensor(new[] { 3f, 1f }, [1, 1, 1, 2]);

        using var loss = ReconstructionLoss.Compute(output, target, weights);

        // The first pixel differs by 1 in each channel with weight 3; the second does not differ.
        Assert.Equal(3.0 * 3 / (3 * 4), loss.ToDouble(), 1e-6);
    }

    [Fact]
    public void ComputeSquared_KnownPair_IsTheMeanSquaredDifference()
    {
        using var output = zeros(1, 3, 2, 2);
        using var target = full(1, 3, 2, 2, 0.5f);
        using (no_grad())
        {
            target[0, 0, 0, 0] = tensor(-1.0f);
        }

        using var loss = ReconstructionLoss.ComputeSquared(output, target);

        // Eleven squared differences of 0.25 and one of 1, over twelve values.
        Assert.Equal((11 * 0.25 + 1) / 12, loss.ToDouble(), 1e-6);
    }

    [Fact]
    public void ComputeSquared_PixelWeights_WeighEachPixelsChannels()
    {
        using var output = zeros(1, 3, 1, 2);
        using var target = tensor(new[] { 0.5f, 1f, 0.5f, 1f, 0.5f, 1f }, [1, 3, 1, 2]);
        using var weights = tensor(new[] { 3f, 1f }, [1, 1, 1, 2]);
        using var misshaped = ones(1, 1, 2, 1);

        using var loss = ReconstructionLoss.ComputeSquared(output, target, weights);

        // Pixel 1 is 0.5 off (squared 0.25) with weight 3, pixel 2 is 1 off with weight 1, in all three channels.
        Assert.Equal(3 * ((3 * 0.25) + 1.0) / (3 * 4), loss.ToDouble(), 1e-6);
        Assert.Throws<ArgumentException>(() => ReconstructionLoss.ComputeSquared(output, target, misshaped));
    }

    [Fact]
    public void MakeupLoss_SquaredWeight_AddsTheWeightedSquaredTerm()
    {
        using var output = zeros(1, 3, 2, 2, requires_grad: true);
        using var target = full(1, 3, 2, 2, 0.5f);
        var options = new MakeupLossOptions { EyelinerWeight = 0, SquaredWeight = 10 };
        using var loss = new MakeupLoss(options);

        var (total, breakdown) = loss.Compute(output, target);
        using (total)
        {
            Assert.Equal(0.5, breakdown.Reconstruction, 1e-6);
            Assert.Equal(0.25, breakdown.Squared, 1e-6);
            Assert.Equal(0.5 + (10 * 0.25), total.ToDouble(), 1e-5);
            total.backward();
        }

        // d/dx of |x - t| is -1 and of 10 (x - t)^2 is -10; both are averaged over the twelve values.
        Assert.Equal((-1.0 - 10.0) / 12, output.grad!.max().ToDouble(), 1e-5);
        Assert.Throws<ArgumentOutOfRangeException>(new MakeupLossOptions { SquaredWeight = -1 }.Validate);
    }

    [Fact]
    public void MakeupLoss_ChangeEmphasis_CountsChangedPixelsMore()
    {
        using var before = zeros(1, 3, 1, 2);
        using var target = tensor(new[] { 1f, 0f, 1f, 0f, 1f, 0f }, [1, 3, 1, 2]);
        using var output = full(1, 3, 1, 2, 0.5f);
        var options = new MakeupLossOptions { EyelinerWeight = 0, ChangeEmphasis = 9 };
        using var loss = new MakeupLoss(options);

        var (total, breakdown) = loss.Compute(output, target, before: before);
        using (total)
        {
            // Pixel 1 changed fully (weight 1 + 9), pixel 2 did not (weight 1); both are 0.5 off in every channel.
            Assert.Equal(0.5, breakdown.Reconstruction, 1e-6);
        }

        var plain = new MakeupLoss(new MakeupLossOptions { EyelinerWeight = 0 });
        using var skewed = full(1, 3, 1, 2, 0f);
        using (no_grad())
        {
            skewed[0, .., 0, 1] = tensor(0.5f);
        }

        // Output right where the makeup changed nothing, 1 off where it did: the emphasis raises the loss.
        var plainLoss = plain.Compute(skewed, target).Breakdown.Reconstruction;
        var emphasised = loss.Compute(skewed, target, before: before).Breakdown.Reconstruction;
        Assert.True(emphasised > plainLoss, $"{emphasised} <= {plainLoss}");
        Assert.Throws<ArgumentException>(() => loss.Compute(output, target));
        plain.Dispose();
    }

    [Fact]
    public void MakeupLoss_RegionEmphasis_WeighsTheRegionWhetherOrNotTheMakeupChangesIt()
    {
        // Two pixels, both 0.5 off in every channel, and neither changed by the makeup: only the region mask, which
        // covers the first, tells them apart. Weights 1 + 3 and 1 give the L1 mean (4 * 0.5 + 1 * 1.5) / 5.
        using var target = zeros(1, 3, 1, 2);
        using var output = tensor(new[] { 0.5f, 1.5f, 0.5f, 1.5f, 0.5f, 1.5f }, [1, 3, 1, 2]);
        using var region = tensor(new[] { 1f, 0f }, [1, 1, 1, 2]);
        var options = new MakeupLossOptions { EyelinerWeight = 0, RegionEmphasis = 3 };
        using var loss = new MakeupLoss(options);

        var (total, breakdown) = loss.Compute(output, target, regionMask: region);

        total.Dispose();
        Assert.Equal(((4 * 0.5) + 1.5) / 5, breakdown.Reconstruction, 1e-6);
        using var plain = new MakeupLoss(new MakeupLossOptions { EyelinerWeight = 0 });
        Assert.Equal(1.0, plain.Compute(output, target).Breakdown.Reconstruction, 1e-6);
        var missing = Assert.Throws<ArgumentException>(() => loss.Compute(output, target));
        Assert.Equal("regionMask", missing.ParamName);
        using var misshaped = zeros(1, 1, 2, 1);
        Assert.Throws<ArgumentException>(() => loss.Compute(output, target, regionMask: misshaped));
        Assert.Throws<ArgumentOutOfRangeException>(new MakeupLossOptions { RegionEmphasis = double.NaN }.Validate);
    }

    [Fact]
    public void MakeupLoss_ChangeAndRegionEmphasis_AddUp()
    {
        // Pixel 1 changed fully and lies in the region (1 + 9 + 3), pixel 2 neither (1); errors 0.5 and 1.5.
        using var before = zeros(1, 3, 1, 2);
        using var target = tensor(new[] { 1f, 0f, 1f, 0f, 1f, 0f }, [1, 3, 1, 2]);
        using var output = tensor(new[] { 0.5f, 1.5f, 0.5f, 1.5f, 0.5f, 1.5f }, [1, 3, 1, 2]);
        using var region = tensor(new[] { 1f, 0f }, [1, 1, 1, 2]);
        var options = new MakeupLossOptions { EyelinerWeight = 0, ChangeEmphasis = 9, RegionEmphasis = 3 };
        using var loss = new MakeupLoss(options);

        var (total, breakdown) = loss.Compute(output, target, before: before, regionMask: region);

        total.Dispose();
        Assert.Equal(((13 * 0.5) + 1.5) / 14, breakdown.Reconstruction, 1e-6);
    }

    [Fact]
    public void Compute_DifferentShapes_ThrowsNamingBothShapes()
    {
        using var output = zeros(1, 3, 8, 8);
        using var target = zeros(1, 3, 8, 4);

        var exception = Assert.Throws<ArgumentException>(() => ReconstructionLoss.Compute(output, target));

        Assert.Contains("[1, 3, 8, 8]", exception.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 3, 8, 4]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_OneChannel_Throws()
    {
        using var output = zeros(1, 1, 8, 8);
        using var target = zeros(1, 1, 8, 8);

        var exception = Assert.Throws<ArgumentException>(() => ReconstructionLoss.Compute(output, target));

        Assert.Contains("[1, 1, 8, 8]", exception.Message, StringComparison.Ordinal);
    }
}
