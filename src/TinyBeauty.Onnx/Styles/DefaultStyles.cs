using System.Text.Json;

namespace TinyBeauty.Onnx.Styles;

/// <summary>A makeup style whose model ships inside this package.</summary>
/// <param name="Name">The style's name, such as <c>natural</c>.</param>
/// <param name="Description">A one-line description for people.</param>
public sealed record DefaultStyle(string Name, string Description);

/// <summary>
/// The makeup styles embedded in this package, trained by TinyBeauty's own trainer on pairs from its renderer
/// (see the repository's <c>styles/</c> folder for each style's file and training recipe).
/// </summary>
/// <remarks>
/// The models were trained on face crops (the face with some hair around it), so they suit photos that are face
/// crops; for other photos, use <see cref="MakeupSession.ApplyToFaces"/>, which makes up a crop around each
/// face.
/// </remarks>
public static class DefaultStyles
{
    /// <summary>The name of the style used when none is chosen.</summary>
    public const string DefaultName = "natural";

    private const string ResourcePrefix = "TinyBeauty.Onnx.Styles.";

    private static readonly Lazy<IReadOnlyList<DefaultStyle>> s_all = new(ReadAll);

    /// <summary>Gets every embedded style, sorted by name.</summary>
    public static IReadOnlyList<DefaultStyle> All => s_all.Value;

    /// <summary>Opens a session on an embedded style's model.</summary>
    /// <param name="name">The style's name (see <see cref="All"/>); case-insensitive.</param>
    /// <param name="options">Session options; null for the defaults.</param>
    /// <returns>The session; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">No embedded style has that name; the message lists the names.</exception>
    public static MakeupSession Load(string name = DefaultName, MakeupSessionOptions? options = null) =>
        MakeupSession.Load(ReadModel(name), options);

    /// <summary>Reads the ONNX model of an embedded style.</summary>
    /// <param name="name">The style's name; case-insensitive.</param>
    /// <returns>The model file's bytes.</returns>
    /// <exception cref="ArgumentException">No embedded style has that name; the message lists the names.</exception>
    public static byte[] ReadModel(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var style = All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"There is no style '{name}'; the embedded styles are: {string.Join(", ", All.Select(s => s.Name))}.",
                nameof(name));
        return ReadResource($"{ResourcePrefix}{style.Name}.onnx");
    }

    private static IReadOnlyList<DefaultStyle> ReadAll()
    {
        var names = typeof(DefaultStyles).Assembly.GetManifestResourceNames()
            .Where(resource => resource.StartsWith(ResourcePrefix, StringComparison.Ordinal)
                && resource.EndsWith(".onnx", StringComparison.Ordinal))
            .Select(resource => resource[ResourcePrefix.Length..^".onnx".Length])
            .Order(StringComparer.Ordinal);

        var styles = new List<DefaultStyle>();
        foreach (var name in names)
        {
            var description = "";
            var json = $"{ResourcePrefix}{name}.json";
            if (typeof(DefaultStyles).Assembly.GetManifestResourceInfo(json) is not null)
            {
                using var document = JsonDocument.Parse(ReadResource(json));
                if (document.RootElement.TryGetProperty("description", out var text))
                {
                    description = text.GetString() ?? "";
                }
            }

            styles.Add(new DefaultStyle(name, description));
        }

        return styles;
    }

    private static byte[] ReadResource(string resource)
    {
        using var stream = typeof(DefaultStyles).Assembly.GetManifestResourceStream(resource)
            ?? throw new MakeupModelException($"The embedded resource '{resource}' is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
