using TinyBeauty.Amplify.Diffusion.Guidance;
using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Guidance;

public sealed class MaskedNoiseLossTests
{
    [Fact]
    public void Compute_CropCoversTheWholeLatent_IsMaskedMseTimesOnePlusWeight()
    {
        // 4 x 4 latents with crop 48: the crop is clamped to the whole latent, so loss = (1 + 5) * masked MSE.
        using var predicted = full(1, 1, 4, 4, 2f);
        using var noise = zeros(1, 1, 4, 4);
        using var mask = zeros(1, 1, 4, 4);
        mask[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 2), TensorIndex.Colon].fill_(1);
        using var generator = SeededNoise.CreateGenerator(0);

        using var loss = MaskedNoiseLoss.Compute(predicted, noise, mask, generator);

        // Squared error 4 on 8 of 16 cells: mean 2, plus 5 x 2.
        Assert.Equal(12f, loss.item<float>(), 5);
    }

    [Fact]
    public void Compute_SmallCrop_AddsTheWeightedMeanOfTheDrawnWindow()
    {
        random.manual_seed(8);
        using var predicted = randn(2, 3, 6, 5);
        using var noise = randn(2, 3, 6, 5);
        using var mask = rand(2, 1, 6, 5);
        var options = new MaskedNoiseLossOptions { CropSize = 3, CropWeight = 2 };
        using var generator = SeededNoise.CreateGenerator(21);
        using var replay = SeededNoise.CreateGenerator(21);

        using var loss = MaskedNoiseLoss.Compute(predicted, noise, mask, generator, options);

        var (top, left, height, width) = MaskedNoiseLoss.DrawCrop(predicted.shape, 3, replay);
        using var error = (predicted - noise).square() * mask;
        using var expected = error.mean() + (2 * error.narrow(2, top, height).narrow(3, left, width).mean());
        Assert.Equal((3L, 3L), (height, width));
        Assert.Equal(expected.item<float>(), loss.item<float>(), 5);
    }

    [Fact]
    public void Compute_MaskZero_GivesZeroLoss()
    {
        random.manual_seed(9);
        using var predicted = randn(1, 4, 8, 8);
        using var noise = randn(1, 4, 8, 8);
        using var mask = zeros(1, 1, 8, 8);
        using var generator = SeededNoise.CreateGenerator(1);

        using var loss = MaskedNoiseLoss.Compute(predicted, noise, mask, generator);

        Assert.Equal(0f, loss.item<float>());
    }

    [Fact]
    public void DrawCrop_SameSeed_SameWindowAndInsideTheLatent()
    {
        long[] shape = [1, 4, 64, 64];
        using var first = SeededNoise.CreateGenerator(5);
        using var second = SeededNoise.CreateGenerator(5);

        var a = MaskedNoiseLoss.DrawCrop(shape, 48, first);
        var b = MaskedNoiseLoss.DrawCrop(shape, 48, second);

        Assert.Equal(a, b);
        Assert.InRange(a.Top, 0, 16);
        Assert.InRange(a.Left, 0, 16);
        Assert.Equal((48L, 48L), (a.Height, a.Width));
    }

    [Fact]
    public void Compute_BadArguments_Throw()
    {
        using var predicted = zeros(1, 4, 8, 8);
        using var other = zeros(1, 4, 8, 7);
        using var mask = zeros(1, 1, 8, 8);
        using var generator = SeededNoise.CreateGenerator(1);

        Assert.Throws<ArgumentException>(() => MaskedNoiseLoss.Compute(predicted, other, mask, generator));
        Assert.Throws<ArgumentException>(() => MaskedNoiseLoss.Compute(predicted, predicted, other, generator));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaskedNoiseLoss.Compute(
            predicted, predicted, mask, generator, new MaskedNoiseLossOptions { CropSize = 0 }));
    }
}
