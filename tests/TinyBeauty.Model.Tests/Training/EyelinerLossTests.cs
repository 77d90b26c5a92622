using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

public sealed class EyelinerLossTests
{
    private const int Side = 16;

    [Fact]
    public void Compute_IdenticalImages_IsZero()
    {
        torch.manual_seed(1);
        using var image = rand(2, 3, Side, Side) * 2 - 1;
        using var mask = ones(2, 1, Side, Side);

        using var loss = EyelinerLoss.Compute(image, image.clone(), mask);

        Assert.Equal(0.0, loss.ToDouble());
    }

    [Fact]
    public void Compute_StrokeInsideMask_IsPositiveAndGrowsWithContrast()
    {
        using var target = zeros(1, 3, Side, Side);
        using var mask = EyeMask();

        using var faint = EyelinerLoss.Compute(Stroke(0.2f), target, mask);
        using var strong = EyelinerLoss.Compute(Stroke(1.0f), target, mask);

        Assert.True(faint.ToDouble() > 0, $"A faint stroke gave {faint.ToDouble()}.");
        Assert.True(strong.ToDouble() > faint.ToDouble(), $"Strong {strong.ToDouble()}, faint {faint.ToDouble()}.");
    }

    [Fact]
    public void Compute_StrokeOutsideMask_IsZero()
    {
        using var target = zeros(1, 3, Side, Side);
        using var mask = zeros(1, 1, Side, Side);
        using (no_grad())
        {
            // The stroke is a vertical line at column 12; its edges reach columns 11 to 13 only.
            mask[.., .., .., ..8] = tensor(1.0f);
        }

        using var output = Stroke(1.0f, column: 12);

        using var loss = EyelinerLoss.Compute(output, target, mask);

        Assert.Equal(0.0, loss.ToDouble());
    }

    [Fact]
    public void Compute_EmptyMask_IsZeroAndFinite()
    {
        using var target = zeros(1, 3, Side, Side);
        using var mask = zeros(1, 1, Side, Side);

        using var loss = EyelinerLoss.Compute(Stroke(1.0f), target, mask);

        Assert.Equal(0.0, loss.ToDouble());
    }

    [Fact]
    public void Compute_Backward_GradientReachesTheOutput()
    {
        torch.manual_seed(2);
        using var output = (rand(1, 3, Side, Side) * 2 - 1).requires_grad_(true);
        using var target = zeros(1, 3, Side, Side);
        using var mask = EyeMask();

        using var loss = EyelinerLoss.Compute(output, target, mask);
        loss.backward();

        using var gradient = output.grad!;
        Assert.True(gradient.abs().sum().ToDouble() > 0);
        Assert.True(gradient.isfinite().all().ToBoolean());
    }

    [Fact]
    public void Compute_MaskOfWrongShape_ThrowsNamingTheShape()
    {
        using var image = zeros(2, 3, Side, Side);
        using var mask = ones(2, 3, Side, Side);

        var exception = Assert.Throws<ArgumentException>(() => EyelinerLoss.Compute(image, image, mask));

        Assert.Equal("eyeMask", exception.ParamName);
        Assert.Contains("[2, 3, 16, 16]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EdgeMagnitude_FlatImage_IsOnlyTheEpsilonFloor()
    {
        using var image = full(1, 3, Side, Side, 0.3f);

        using var magnitude = EyelinerLoss.EdgeMagnitude(image);

        Assert.Equal([1L, 3, Side, Side], magnitude.shape);
        Assert.True(magnitude.max().ToDouble() < 2e-3, "A flat image, borders included, has no edge.");
    }

    /// <summary>A dark image with one vertical line of the given brightness at a column, in every channel.</summary>
    private static Tensor Stroke(float brightness, int column = 6)
    {
        var image = zeros(1, 3, Side, Side);
        using (no_grad())
        {
            image[.., .., 4..12, column] = tensor(brightness);
        }

        return image;
    }

    /// <summary>A mask covering rows 2 to 13 and columns 2 to 9, around the stroke at column 6.</summary>
    private static Tensor EyeMask()
    {
        var mask = zeros(1, 1, Side, Side);
        using (no_grad())
        {
            mask[.., .., 2..14, 2..10] = tensor(1.0f);
        }

        return mask;
    }
}
