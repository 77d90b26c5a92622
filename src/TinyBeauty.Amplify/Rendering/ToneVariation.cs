namespace TinyBeauty.Amplify.Rendering;

/// <summary>
/// Varies a face crop's appearance before makeup is painted on it (see
/// <see cref="RenderAmplifierOptions.ToneJitter"/>): contrast about mid-grey, brightness, a warm or cool cast and
/// saturation about each pixel's luma, in that order, on 8-bit RGB values.
/// </summary>
internal static class ToneVariation
{
    private const float MaxBrightness = 0.25f;
    private const float MaxContrast = 0.25f;
    private const float MaxSaturation = 0.4f;
    private const float MaxWarmth = 0.06f;

    /// <summary>Draws one variation of the given strength (0 to 1) and applies it to interleaved RGB bytes.</summary>
    public static void Apply(Span<byte> rgb, float strength, Random random)
    {
        var contrast = 1f + (MaxContrast * strength * Signed(random));
        var brightness = 1f + (MaxBrightness * strength * Signed(random));
        var warmth = MaxWarmth * strength * Signed(random);
        var saturation = 1f + (MaxSaturation * strength * Signed(random));
        var redGain = brightness * (1f + warmth);
        var blueGain = brightness * (1f - warmth);

        for (var index = 0; index + 2 < rgb.Length; index += 3)
        {
            var red = Contrast(rgb[index], contrast) * redGain;
            var green = Contrast(rgb[index + 1], contrast) * brightness;
            var blue = Contrast(rgb[index + 2], contrast) * blueGain;

            var luma = (0.299f * red) + (0.587f * green) + (0.114f * blue);
            rgb[index] = ToByte(luma + ((red - luma) * saturation));
            rgb[index + 1] = ToByte(luma + ((green - luma) * saturation));
            rgb[index + 2] = ToByte(luma + ((blue - luma) * saturation));
        }
    }

    private static float Signed(Random random) => (2f * random.NextSingle()) - 1f;

    private static float Contrast(byte value, float contrast) => (((value / 255f) - 0.5f) * contrast) + 0.5f;

    private static byte ToByte(float value) => (byte)Math.Clamp((int)MathF.Round(value * 255f), 0, 255);
}
