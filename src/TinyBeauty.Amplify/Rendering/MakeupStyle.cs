using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>
/// A makeup look for <see cref="MakeupRenderer"/>: up to five layers (lipstick, eyeliner, eyeshadow, blush, brow
/// tint), each optional, and a name. Stored as a small JSON file.
/// </summary>
/// <remarks>
/// <para>A style file looks like this; every layer may be left out, and every field of a layer has a default:</para>
/// <code>
/// {
///   "name": "classic-red",
///   "description": "Red lips, a thin winged liner",
///   "lipstick": { "color": "#B0182A", "opacity": 0.85, "gloss": 0.3 },
///   "eyeliner": { "color": "#1C1616", "opacity": 0.9, "thickness": 0.07, "wing": 0.3 },
///   "eyeshadow": { "color": "#7A5260", "opacity": 0.3, "spread": 0.5 },
///   "blush": { "color": "#E06F7A", "opacity": 0.25, "size": 1.0 },
///   "brows": { "color": "#3B2A22", "opacity": 0.3 }
/// }
/// </code>
/// <para>Unknown fields are errors, so that a misspelt field is not silently ignored.</para>
/// </remarks>
public sealed record MakeupStyle
{
    private static readonly JsonSerializerOptions s_jsonOptions = CreateJsonOptions();

    /// <summary>Gets the style's name: letters, digits and dashes, such as <c>classic-red</c>.</summary>
    public string Name { get; init; } = "style";

    /// <summary>Gets a one-line description for people.</summary>
    public string Description { get; init; } = "";

    /// <summary>Gets the lipstick, or null for none.</summary>
    public LipstickLayer? Lipstick { get; init; }

    /// <summary>Gets the eyeliner, or null for none.</summary>
    public EyelinerLayer? Eyeliner { get; init; }

    /// <summary>Gets the eyeshadow, or null for none.</summary>
    public EyeshadowLayer? Eyeshadow { get; init; }

    /// <summary>Gets the blush, or null for none.</summary>
    public BlushLayer? Blush { get; init; }

    /// <summary>Gets the brow tint, or null for none.</summary>
    public BrowLayer? Brows { get; init; }

    /// <summary>Reads a style from a JSON file and checks it.</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The style.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid style; the message names the file, the field and, for JSON syntax errors, the line.
    /// </exception>
    public static MakeupStyle Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The style file '{path}' does not exist.", path);
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException($"The style file '{path}' is not valid: {exception.Message}", exception);
        }
    }

    /// <summary>Reads a style from JSON text and checks it.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The style.</returns>
    /// <exception cref="InvalidDataException">The text is not a valid style; the message says why.</exception>
    public static MakeupStyle Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        MakeupStyle? style;
        try
        {
            style = JsonSerializer.Deserialize<MakeupStyle>(json, s_jsonOptions);
        }
        catch (JsonException exception)
        {
            var where = exception.LineNumber is { } line ? $" (line {line + 1}, at {exception.Path})" : "";
            throw new InvalidDataException($"{FirstSentence(exception.Message)}{where}", exception);
        }

        if (style is null)
        {
            throw new InvalidDataException("The JSON holds null instead of a style object.");
        }

        style.Validate();
        return style;
    }

    /// <summary>Writes the style as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, s_jsonOptions);

    /// <summary>Writes the style to a JSON file, atomically (a temporary file renamed over the target).</summary>
    /// <param name="path">The file's path.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, ToJson());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Checks every field's range.</summary>
    /// <exception cref="InvalidDataException">A field is out of range; the message names it and its range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new InvalidDataException($"name '{Name}' must be letters, digits and dashes, such as classic-red.");
        }

        if (Lipstick is { } lipstick)
        {
            CheckRange("lipstick.opacity", lipstick.Opacity, 0f, 1f);
            CheckRange("lipstick.gloss", lipstick.Gloss, 0f, 1f);
        }

        if (Eyeliner is { } eyeliner)
        {
            CheckRange("eyeliner.opacity", eyeliner.Opacity, 0f, 1f);
            CheckRange("eyeliner.thickness", eyeliner.Thickness, 0.01f, 0.3f);
            CheckRange("eyeliner.wing", eyeliner.Wing, 0f, 1f);
        }

        if (Eyeshadow is { } eyeshadow)
        {
            CheckRange("eyeshadow.opacity", eyeshadow.Opacity, 0f, 1f);
            CheckRange("eyeshadow.spread", eyeshadow.Spread, 0.1f, 1f);
        }

        if (Blush is { } blush)
        {
            CheckRange("blush.opacity", blush.Opacity, 0f, 1f);
            CheckRange("blush.size", blush.Size, 0.5f, 2f);
        }

        if (Brows is { } brows)
        {
            CheckRange("brows.opacity", brows.Opacity, 0f, 1f);
        }
    }

    private static void CheckRange(string field, float value, float minimum, float maximum)
    {
        if (!(value >= minimum && value <= maximum))
        {
            throw new InvalidDataException($"{field} is {value}, but must be between {minimum} and {maximum}.");
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            WriteIndented = true,
        };
        options.Converters.Add(new MakeupColorJsonConverter());
        return options;
    }
}

/// <summary>Reads and writes <see cref="MakeupColor"/> as a <c>#RRGGBB</c> JSON string.</summary>
internal sealed class MakeupColorJsonConverter : JsonConverter<MakeupColor>
{
    public override MakeupColor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (!MakeupColor.TryParse(text, out var color))
        {
            throw new JsonException("A colour must be a string written as #RRGGBB, for example \"#B0182A\".");
        }

        return color;
    }

    public override void Write(Utf8JsonWriter writer, MakeupColor value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
