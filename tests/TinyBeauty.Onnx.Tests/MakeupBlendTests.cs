using TinyBeauty.Core;

namespace TinyBeauty.Onnx.Tests;

public sealed class MakeupBlendTests
{
    private static readonly MakeupSessionOptions s_options = new() { InferenceSize = 16 };

    [Fact]
    public void Apply_OneStyleAtFullWeight_EqualsThatStyleAlone()
    {
        using var style = MakeupSession.Load(TestModels.Scale(0.5f), s_options);
        using var other = MakeupSession.Load(TestModels.Scale(-0.5f), s_options);
        var blend = new MakeupBlend([(style, 1f), (other, 0f)]);
        var pixels = MakeupSessionTests.RandomPixels(40 * 30 * 3, seed: 8);

        var blended = Run(blend.Apply, pixels);
        var alone = Run(style.Apply, pixels);

        Assert.Equal(alone, blended);
    }

    [Fact]
    public void Apply_TwoHalves_EqualsTheAverageStyle()
    {
        using var strong = MakeupSession.Load(TestModels.Scale(0.6f), s_options);
        using var weak = MakeupSession.Load(TestModels.Scale(0.2f), s_options);
        using var average = MakeupSession.Load(TestModels.Scale(0.4f), s_options);
        var blend = new MakeupBlend([(strong, 0.5f), (weak, 0.5f)]);
        var pixels = MakeupSessionTests.RandomPixels(40 * 30 * 3, seed: 8);

        var blended = Run(blend.Apply, pixels);
        var expected = Run(average.Apply, pixels);

        // Summing two residuals rounds differently from scaling one: allow one level.
        Assert.All(blended.Zip(expected), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1));
    }

    [Fact]
    public void Constructor_SessionsWithDifferentSizes_Throws()
    {
        using var small = MakeupSession.Load(TestModels.Identity(), new MakeupSessionOptions { InferenceSize = 8 });
        using var large = MakeupSession.Load(TestModels.Identity(), s_options);

        var error = Assert.Throws<ArgumentException>(() => new MakeupBlend([(small, 1f), (large, 1f)]));

        Assert.Contains("inference size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NoStyles_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MakeupBlend([]));
    }

    private delegate void ApplyAction(ReadOnlyImageView source, ImageView destination, float intensity);

    private static byte[] Run(ApplyAction apply, byte[] pixels)
    {
        var output = new byte[pixels.Length];
        apply(
            new ReadOnlyImageView(pixels, 40, 30, PixelLayout.Rgb24),
            new ImageView(output, 40, 30, PixelLayout.Rgb24),
            1f);
        return output;
    }
}
