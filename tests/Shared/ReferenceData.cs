namespace TinyBeauty.Testing;

/// <summary>
/// Locates the team's reference material (official checkpoint, golden outputs, photos) that lives in the
/// <c>shared</c> folder beside the repository root. It is never copied into the repository.
/// </summary>
internal static class ReferenceData
{
    private const string SharedVariable = "TINYBEAUTY_SHARED";

    private static readonly Lazy<string?> s_sharedRoot = new(FindSharedRoot);

    /// <summary>Gets the shared folder, or <see langword="null"/> when this clone has none beside it.</summary>
    public static string? SharedRoot => s_sharedRoot.Value;

    /// <summary>Returns the full path of a file given relative to the shared folder.</summary>
    public static string Path(string relativePath) =>
        System.IO.Path.Combine(SharedRoot ?? "shared", relativePath);

    /// <summary>Returns the full path of a file under the official reference folder.</summary>
    public static string Official(string relativePath) =>
        Path(System.IO.Path.Combine("reference", "tinybeauty-official", relativePath));

    /// <summary>Says what is missing when a reference file cannot be found, or returns null when it exists.</summary>
    public static string? MissingReason(string relativePath)
    {
        if (SharedRoot is null)
        {
            return "the shared reference folder was not found beside the repository "
                + $"(set {SharedVariable} to point at it)";
        }

        var path = Path(relativePath);
        return File.Exists(path) || Directory.Exists(path) ? null : $"reference file '{path}' is missing";
    }

    /// <summary>Reads a raw little-endian float32 file.</summary>
    public static float[] ReadFloat32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(float));
        return values;
    }

    private static string? FindSharedRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(SharedVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Directory.Exists(fromEnvironment) ? System.IO.Path.GetFullPath(fromEnvironment) : null;
        }

        var parent = Directory.GetParent(RepositoryData.Root);
        var candidate = System.IO.Path.Combine(parent?.FullName ?? RepositoryData.Root, "shared");
        return Directory.Exists(candidate) ? candidate : null;
    }
}

/// <summary>
/// A fact that needs files from the shared reference folder. It is skipped, naming what is missing, when
/// the folder or one of the files is absent from this clone.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ReferenceFactAttribute : FactAttribute
{
    /// <summary>Initializes the attribute for files given relative to the shared folder.</summary>
    public ReferenceFactAttribute(params string[] requiredPaths)
    {
        foreach (var path in requiredPaths)
        {
            var reason = ReferenceData.MissingReason(path);
            if (reason is not null)
            {
                Skip = "Needs reference data: " + reason;
                return;
            }
        }
    }
}

/// <summary>Locates files that the repository itself ships.</summary>
internal static class RepositoryData
{
    /// <summary>Gets the repository root (the folder holding TinyBeauty.Libraries.sln).</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "TinyBeauty.Libraries.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (TinyBeauty.Libraries.sln) was not found.");
    }
}
