using System.Numerics;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>
/// Conversions between 8-bit sRGB and the OKLab colour space, where equal distances look about equally different
/// and lightness (L, 0 to 1) is separate from the two colour axes (a: green to red, b: blue to yellow).
/// </summary>
internal static class OkLab
{
    private static readonly float[] s_linearFromByte = BuildLinearTable();

    /// <summary>Converts an 8-bit sRGB colour to OKLab (L, a, b).</summary>
    public static Vector3 FromSrgb(byte red, byte green, byte blue) =>
        FromLinear(new Vector3(s_linearFromByte[red], s_linearFromByte[green], s_linearFromByte[blue]));

    /// <summary>Converts a colour to OKLab.</summary>
    public static Vector3 FromSrgb(MakeupColor color) => FromSrgb(color.R, color.G, color.B);

    /// <summary>Converts linear-light RGB to OKLab.</summary>
    public static Vector3 FromLinear(Vector3 rgb)
    {
        var l = (0.4122214708f * rgb.X) + (0.5363325363f * rgb.Y) + (0.0514459929f * rgb.Z);
        var m = (0.2119034982f * rgb.X) + (0.6806995451f * rgb.Y) + (0.1073969566f * rgb.Z);
        var s = (0.0883024619f * rgb.X) + (0.2817188376f * rgb.Y) + (0.6299787005f * rgb.Z);
        l = MathF.Cbrt(l);
        m = MathF.Cbrt(m);
        s = MathF.Cbrt(s);
        return new Vector3(
            (0.2104542553f * l) + (0.7936177850f * m) - (0.0040720468f * s),
            (1.9779984951f * l) - (2.4285922050f * m) + (0.4505937099f * s),
            (0.0259040371f * l) + (0.7827717662f * m) - (0.8086757660f * s));
    }

    /// <summary>Converts OKLab to linear-light RGB (not clamped).</summary>
    public static Vector3 ToLinear(Vector3 lab)
    {
        var l = lab.X + (0.3963377774f * lab.Y) + (0.2158037573f * lab.Z);
        var m = lab.X - (0.1055613458f * lab.Y) - (0.0638541728f * lab.Z);
        var s = lab.X - (0.0894841775f * lab.Y) - (1.2914855480f * lab.Z);
        l = l * l * l;
        m = m * m * m;
        s = s * s * s;
        return new Vector3(
            (4.0767416621f * l) - (3.3077115913f * m) + (0.2309699292f * s),
            (-1.2684380046f * l) + (2.6097574011f * m) - (0.3413193965f * s),
            (-0.0041960863f * l) - (0.7034186147f * m) + (1.7076147010f * s));
    }

    /// <summary>Converts OKLab to 8-bit sRGB, clamping colours outside the sRGB gamut and rounding.</summary>
    public static (byte Red, byte Green, byte Blue) ToSrgb(Vector3 lab)
    {
        var rgb = ToLinear(lab);
        return (Encode(rgb.X), Encode(rgb.Y), Encode(rgb.Z));
    }

    /// <summary>Converts OKLab to a colour.</summary>
    public static MakeupColor ToColor(Vector3 lab)
    {
        var (red, green, blue) = ToSrgb(lab);
        return new MakeupColor(red, green, blue);
    }

    private static byte Encode(float linear)
    {
        var clamped = Math.Clamp(linear, 0f, 1f);
        var encoded = clamped <= 0.0031308f
            ? 12.92f * clamped
            : (1.055f * MathF.Pow(clamped, 1f / 2.4f)) - 0.055f;
        return (byte)MathF.Round(encoded * 255f);
    }

    private static float[] BuildLinearTable()
    {
        var table = new float[256];
        for (var i = 0; i < table.Length; i++)
        {
            var encoded = i / 255.0;
            table[i] = (float)(encoded <= 0.04045 ? encoded / 12.92 : Math.Pow((encoded + 0.055) / 1.055, 2.4));
        }

        return table;
    }
}
