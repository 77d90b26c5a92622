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
