using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

public sealed class AdversarialLossTests
{
    [Fact]
    public void DiscriminatorLoss_KnownScores_IsHalfTheSumOfSquaredErrorMeans()
    {
        using var real = tensor(new float[] { 1, 0 });
        using var fake = tensor(new float[] { 0, 2 });

        using var loss = AdversarialLoss.DiscriminatorLoss(real, fake);

        // real: mean(0, 1) = 0.5; fake: mean(0, 4) = 2; half the sum is 1.25.
        Assert.Equal(1.25, loss.ToDouble(), 1e-6);
    }

    [Fact]
    public void DiscriminatorLoss_PerfectScores_IsZero()
    {
        using var real = ones(2, 1, 4, 4);
        using var fake = zeros(2, 1, 4, 4);

        using var loss = AdversarialLoss.DiscriminatorLoss(real, fake);

        Assert.Equal(0.0, loss.ToDouble());
    }

    [Fact]
    public void GeneratorLoss_KnownScores_IsHalfTheMeanSquaredDistanceFromOne()
    {
        using var fake = tensor(new float[] { 1, -1, 0, 1 });

        using var loss = AdversarialLoss.GeneratorLoss(fake);

        // (0 + 4 + 1 + 0) / 4 / 2.
        Assert.Equal(0.625, loss.ToDouble(), 1e-6);
    }
}
