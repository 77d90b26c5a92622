using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Core;

namespace TinyBeauty.Amplify.Tests.Rendering;

public sealed class StyleEstimatorTests
{
    [Fact]
    public void Estimate_RenderedStyle_RecoversTheLipAndLidColours()
    {
        var (_, width, height, face) = TestFaces.Astronaut;
        var painted = new MakeupStyle
        {
            Lipstick = new LipstickLayer { Color = MakeupColor.Parse("#B3142A"), Opacity = 0.8f, Gloss = 0f },
            Eyeshadow = new EyeshadowLayer { Color = MakeupColor.Parse("#6A3C8A"), Opacity = 0.5f, Spread = 1f },
        };
        var made = TestFaces.Render(painted);

        var estimated = StyleEstimator.Estimate(new ReadOnlyImageView(made, width, height, PixelLayout.Rgb24), face);
        var bare = StyleEstimator.Estimate(
            new ReadOnlyImageView(TestFaces.Astronaut.Pixels, width, height, PixelLayout.Rgb24), face);

        Assert.NotNull(estimated.Lipstick);
        Assert.NotNull(estimated.Eyeshadow);
        var lipError = Distance(estimated.Lipstick.Color, painted.Lipstick.Color);
        Assert.True(
            lipError < 0.1f, $"lipstick {estimated.Lipstick.Color} vs {painted.Lipstick.Color}: {lipError}");
        var bareLipError = bare.Lipstick is null
            ? float.MaxValue
            : Distance(bare.Lipstick.Color, painted.Lipstick.Color);
        Assert.True(lipError < bareLipError);
        var lidError = Distance(estimated.Eyeshadow.Color, painted.Eyeshadow.Color);
        Assert.True(
            lidError < 0.15f, $"eyeshadow {estimated.Eyeshadow.Color} vs {painted.Eyeshadow.Color}: {lidError}");
    }

    private static float Distance(MakeupColor a, MakeupColor b) =>
        System.Numerics.Vector3.Distance(OkLab.FromSrgb(a), OkLab.FromSrgb(b));
}
