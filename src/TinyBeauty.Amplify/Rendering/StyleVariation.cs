using System.Numerics;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>Random variations of a style, for amplifying one look into a family of similar ones.</summary>
internal static class StyleVariation
{
    /// <summary>
    /// Returns the style with each colour moved in OKLab (lightness by up to 0.08 x amount, the colour axes by up
    /// to 0.04 x amount) and each opacity scaled by up to 1 +- 0.3 x amount, clamped to valid ranges.
    /// </summary>
    public static MakeupStyle Vary(MakeupStyle style, float amount, Random random)
    {
        if (amount <= 0f)
        {
            return style;
        }

        float Between(float spread) => spread * ((2f * random.NextSingle()) - 1f);

        MakeupColor Color(MakeupColor color)
        {
            var lab = OkLab.FromSrgb(color);
            return OkLab.ToColor(lab + new Vector3(Between(0.08f * amount), Between(0.04f * amount),
                Between(0.04f * amount)));
        }

        float Opacity(float opacity) => Math.Clamp(opacity * (1f + Between(0.3f * amount)), 0f, 1f);

        return style with
        {
            Lipstick = style.Lipstick is { } lipstick
                ? lipstick with { Color = Color(lipstick.Color), Opacity = Opacity(lipstick.Opacity) }
                : null,
            Eyeliner = style.Eyeliner is { } eyeliner
                ? eyeliner with { Color = Color(eyeliner.Color), Opacity = Opacity(eyeliner.Opacity) }
                : null,
            Eyeshadow = style.Eyeshadow is { } eyeshadow
                ? eyeshadow with { Color = Color(eyeshadow.Color), Opacity = Opacity(eyeshadow.Opacity) }
                : null,
            Blush = style.Blush is { } blush
                ? blush with { Color = Color(blush.Color), Opacity = Opacity(blush.Opacity) }
                : null,
            Brows = style.Brows is { } brows
                ? brows with { Color = Color(brows.Color), Opacity = Opacity(brows.Opacity) }
                : null,
        };
    }
}
