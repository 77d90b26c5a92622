using System.Globalization;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>An sRGB colour with 8 bits per channel, written in style files as <c>#RRGGBB</c>.</summary>
/// <param name="R">The red channel, 0 to 255.</param>
/// <param name="G">The green channel, 0 to 255.</param>
/// <param name="B">The blue channel, 0 to 255.</param>
public readonly record struct MakeupColor(byte R, byte G, byte B)
{
    /// <summary>Reads a colour written as <c>#RRGGBB</c> (the <c>#</c> is optional, hex digits in any case).</summary>
    /// <param name="text">The text to read.</param>
    /// <returns>The colour.</returns>
    /// <exception cref="FormatException">The text is not six hex digits after an optional <c>#</c>.</exception>
    public static MakeupColor Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var color))
        {
            throw new FormatException($"'{text}' is not a colour; write it as #RRGGBB, for example #B0182A.");
        }

        return color;
    }

    /// <summary>Tries to read a colour written as <c>#RRGGBB</c>.</summary>
    /// <param name="text">The text to read.</param>
    /// <param name="color">The colour, when the text is one.</param>
    /// <returns>Whether the text is a colour.</returns>
    public static bool TryParse(string? text, out MakeupColor color)
    {
        color = default;
        var digits = text.AsSpan().Trim();
        if (digits.StartsWith("#"))
        {
            digits = digits[1..];
        }

        if (digits.Length != 6
            || !uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        color = new MakeupColor((byte)(value >> 16), (byte)(value >> 8), (byte)value);
        return true;
    }

    /// <summary>Writes the colour as <c>#RRGGBB</c> with upper-case digits.</summary>
    /// <returns>The colour's text.</returns>
    public override string ToString() => $"#{R:X2}{G:X2}{B:X2}";
}
