using SixLabors.ImageSharp;

namespace TinyBeauty.Onnx.Pairs;

/// <summary>
/// A folder of before/after makeup training pairs, scanned without decoding any pixels.
/// </summary>
/// <remarks>
/// <para>
/// The layout is <c>&lt;folder&gt;/before/&lt;name&gt;.&lt;ext&gt;</c> and
/// <c>&lt;folder&gt;/after/&lt;name&gt;.&lt;ext&gt;</c> with the extension .png, .jpg or .jpeg (any case; the
/// two images of a pair may differ in format), plus an optional
/// <c>&lt;folder&gt;/masks/&lt;name&gt;-&lt;region&gt;.png</c> per region, such as <c>face01-lips.png</c>, holding
/// 8-bit grey weights (0 outside the region). Names compare ordinally (case-sensitive). Subfolders and files whose
/// name starts with a dot are ignored.
/// </para>
/// <para>
/// Only the headers are read (ImageSharp's <c>Image.Identify</c>), so opening a large folder is fast; use
/// <see cref="PairEntry.Load"/> to decode a pair. Every file that cannot become part of a usable pair is listed in
/// <see cref="Problems"/> with its reason instead of stopping the scan. A mask with a problem does not remove its
/// pair: the pair is kept without that mask.
/// </para>
/// <para>
/// When a mask name could belong to several pairs (masks/a-b-lips.png with pairs a and a-b), the longest pair name
/// wins, giving pair a-b and region lips.
/// </para>
/// </remarks>
public sealed class PairFolder
{
    private const string BeforeFolder = "before";
    private const string AfterFolder = "after";
    private const string MaskFolder = "masks";

    private static readonly string[] s_imageExtensions = [".png", ".jpg", ".jpeg"];

    private PairFolder(string folderPath, IReadOnlyList<PairEntry> pairs, IReadOnlyList<PairProblem> problems)
    {
        FolderPath = folderPath;
        Pairs = pairs;
        Problems = problems;
    }

    /// <summary>Gets the full path of the folder.</summary>
    public string FolderPath { get; }

    /// <summary>Gets the usable pairs, sorted ordinally by name; never empty.</summary>
    public IReadOnlyList<PairEntry> Pairs { get; }

    /// <summary>Gets the skipped files, sorted ordinally by path; empty when every file was usable.</summary>
    public IReadOnlyList<PairProblem> Problems { get; }

    /// <summary>Scans a pair folder, reading only image headers.</summary>
    /// <param name="directory">The folder that holds the before/, after/ and optional masks/ subfolders.</param>
    /// <returns>The usable pairs and the problems found.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null or empty.</exception>
    /// <exception cref="DirectoryNotFoundException">
    /// The folder, or its before/ or after/ subfolder, does not exist; the message names the path.
    /// </exception>
    /// <exception cref="InvalidDataException">
    /// The folder holds no usable pair; the message names the folder and the first problems found.
    /// </exception>
    public static PairFolder Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The pair folder '{root}' does not exist.");
        }

        var problems = new List<PairProblem>();
        var duplicated = new HashSet<string>(StringComparer.Ordinal);
        var before = ScanImages(root, BeforeFolder, problems, duplicated);
        var after = ScanImages(root, AfterFolder, problems, duplicated);

        var sizes = new Dictionary<string, (int Width, int Height)>(StringComparer.Ordinal);
        foreach (var (name, beforePath) in before)
        {
            if (!after.TryGetValue(name, out var afterPath))
            {
                if (duplicated.Contains(name))
                {
                    continue;
                }

                problems.Add(new PairProblem(
                    beforePath,
                    PairProblemKind.MissingAfter,
                    $"The before image has no after image named '{name}' (expected {AfterFolder}/{name}.png, "
                    + ".jpg or .jpeg)."));
                continue;
            }

            var size = MatchingSize(beforePath, afterPath, problems);
            if (size is { } known)
            {
                sizes.Add(name, known);
            }
        }

        foreach (var (name, afterPath) in after)
        {
            if (!before.ContainsKey(name) && !duplicated.Contains(name))
            {
                problems.Add(new PairProblem(
                    afterPath,
                    PairProblemKind.MissingBefore,
                    $"The after image has no before image named '{name}' (expected {BeforeFolder}/{name}.png, "
                    + ".jpg or .jpeg)."));
            }
        }

        var names = new HashSet<string>(before.Keys.Concat(after.Keys).Concat(duplicated), StringComparer.Ordinal);
        var masks = ScanMasks(root, names, sizes, problems);
        var pairs = sizes.Keys
            .Order(StringComparer.Ordinal)
            .Select(name => new PairEntry(
                name,
                before[name],
                after[name],
                sizes[name].Width,
                sizes[name].Height,
                masks.TryGetValue(name, out var regions)
                    ? regions
                    : new Dictionary<string, string>(StringComparer.Ordinal)))
            .ToArray();
        var sortedProblems = problems
            .OrderBy(problem => problem.Path, StringComparer.Ordinal)
            .ThenBy(problem => problem.Kind)
            .ToArray();

        if (pairs.Length == 0)
        {
            throw new InvalidDataException(NoPairsMessage(root, before.Count, after.Count, sortedProblems));
        }

        return new PairFolder(root, pairs, sortedProblems);
    }

    /// <summary>Reads an image header; returns null with a reason when it cannot be read.</summary>
    internal static IImageInfo? Identify(string path, out string reason)
    {
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.Length == 0)
            {
                reason = "the file is empty (0 bytes).";
                return null;
            }

            var info = Image.Identify(stream);
            reason = info is null ? "the file is not in a supported image format (PNG or JPEG)." : string.Empty;
            return info;
        }
        catch (Exception exception) when (exception is ImageFormatException or NotSupportedException
            or IOException or UnauthorizedAccessException)
        {
            reason = $"{exception.Message.TrimEnd('.')}.";
            return null;
        }
    }

    /// <summary>Lists the images of one subfolder by name, reporting unsupported files and duplicate names.</summary>
    private static Dictionary<string, string> ScanImages(
        string root,
        string folder,
        List<PairProblem> problems,
        HashSet<string> duplicated)
    {
        var path = Path.Combine(root, folder);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException(
                $"The pair folder '{root}' has no '{folder}' subfolder ('{path}'); expected "
                + $"{BeforeFolder}/<name>.png and {AfterFolder}/<name>.png (or .jpg), with optional "
                + $"{MaskFolder}/<name>-<region>.png.");
        }

        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        var duplicates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in VisibleFiles(path))
        {
            var extension = Path.GetExtension(file);
            if (!s_imageExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(new PairProblem(
                    file,
                    PairProblemKind.UnsupportedFile,
                    $"The extension '{extension}' is not accepted in {folder}/; use .png, .jpg or .jpeg."));
                continue;
            }

            var name = Path.GetFileNameWithoutExtension(file);
            if (images.TryGetValue(name, out var first))
            {
                duplicates.Add(name);
                problems.Add(DuplicateProblem(file, folder, name, first));
                continue;
            }

            images.Add(name, file);
        }

        // The first file of a duplicated name is reported too, and the name is skipped in both subfolders
        // without a second report about a missing partner.
        foreach (var name in duplicates)
        {
            problems.Add(DuplicateProblem(images[name], folder, name, null));
            images.Remove(name);
            duplicated.Add(name);
        }

        return images;
    }

    /// <summary>Returns the common size of a pair, or null after reporting why there is none.</summary>
    private static (int Width, int Height)? MatchingSize(
        string beforePath,
        string afterPath,
        List<PairProblem> problems)
    {
        var beforeInfo = Identify(beforePath, out var beforeReason);
        if (beforeInfo is null)
        {
            problems.Add(Unreadable(beforePath, beforeReason));
        }

        var afterInfo = Identify(afterPath, out var afterReason);
        if (afterInfo is null)
        {
            problems.Add(Unreadable(afterPath, afterReason));
        }

        if (beforeInfo is null || afterInfo is null)
        {
            return null;
        }

        if (beforeInfo.Width != afterInfo.Width || beforeInfo.Height != afterInfo.Height)
        {
            problems.Add(new PairProblem(
                afterPath,
                PairProblemKind.SizeMismatch,
                $"The after image is {afterInfo.Width}x{afterInfo.Height}, but its before image '{beforePath}' is "
                + $"{beforeInfo.Width}x{beforeInfo.Height}; a pair must have one size."));
            return null;
        }

        return (beforeInfo.Width, beforeInfo.Height);
    }

    /// <summary>Finds the masks of the usable pairs, keyed by pair name and then by region.</summary>
    private static Dictionary<string, Dictionary<string, string>> ScanMasks(
        string root,
        HashSet<string> names,
        Dictionary<string, (int Width, int Height)> sizes,
        List<PairProblem> problems)
    {
        var masks = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var path = Path.Combine(root, MaskFolder);
        if (!Directory.Exists(path))
        {
            return masks;
        }

        foreach (var file in VisibleFiles(path))
        {
            var extension = Path.GetExtension(file);
            if (!extension.Equals(".png", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new PairProblem(
                    file,
                    PairProblemKind.UnsupportedFile,
                    $"The extension '{extension}' is not accepted in {MaskFolder}/; masks must be .png."));
                continue;
            }

            var stem = Path.GetFileNameWithoutExtension(file);
            var name = names
                .Where(candidate => stem.Length > candidate.Length + 1
                    && stem.StartsWith(candidate, StringComparison.Ordinal)
                    && stem[candidate.Length] == '-')
                .MaxBy(candidate => candidate.Length);
            if (name is null)
            {
                problems.Add(new PairProblem(
                    file,
                    PairProblemKind.OrphanMask,
                    $"The mask name '{stem}' does not read <name>-<region> for any before or after image name."));
                continue;
            }

            // The mask of a pair that is itself unusable is left out silently: the pair's problem says why.
            if (!sizes.TryGetValue(name, out var size))
            {
                continue;
            }

            var info = Identify(file, out var reason);
            if (info is null)
            {
                problems.Add(Unreadable(file, reason));
                continue;
            }

            if (info.Width != size.Width || info.Height != size.Height)
            {
                problems.Add(new PairProblem(
                    file,
                    PairProblemKind.MaskSizeMismatch,
                    $"The mask is {info.Width}x{info.Height}, but the pair '{name}' is {size.Width}x{size.Height}; "
                    + "the pair is kept without this mask."));
                continue;
            }

            if (!masks.TryGetValue(name, out var regions))
            {
                regions = new Dictionary<string, string>(StringComparer.Ordinal);
                masks.Add(name, regions);
            }

            regions.Add(stem[(name.Length + 1)..], file);
        }

        return masks;
    }

    private static IEnumerable<string> VisibleFiles(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(file => !Path.GetFileName(file).StartsWith('.'))
            .Order(StringComparer.Ordinal);

    private static PairProblem Unreadable(string path, string reason) =>
        new(path, PairProblemKind.UnreadableImage, $"The image header cannot be read: {reason}");

    private static PairProblem DuplicateProblem(string file, string folder, string name, string? first) =>
        new(
            file,
            PairProblemKind.DuplicateName,
            first is null
                ? $"Another file in {folder}/ also has the name '{name}'; the pair is skipped."
                : $"The file '{first}' in {folder}/ also has the name '{name}'; the pair is skipped.");

    private static string NoPairsMessage(string root, int beforeCount, int afterCount, PairProblem[] problems)
    {
        const int Shown = 3;
        var message = $"The pair folder '{root}' holds no usable before/after pair ({beforeCount} before and "
            + $"{afterCount} after images found, {problems.Length} problems).";
        if (problems.Length > 0)
        {
            var first = string.Join(" ", problems.Take(Shown).Select(problem => problem.ToString()));
            message += problems.Length > Shown ? $" First problems: {first}" : $" Problems: {first}";
        }

        return message;
    }
}
