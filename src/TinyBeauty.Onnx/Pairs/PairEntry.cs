using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Onnx.Pairs;

/// <summary>
/// One usable before/after training pair found by <see cref="PairFolder.Open"/>: the two image paths, their size
/// as read from the headers, and any region masks. Nothing is decoded until <see cref="Load"/>.
/// </summary>
public sealed class PairEntry
{
    internal PairEntry(
        string name,
        string beforePath,
        string afterPath,
        int width,
        int height,
        IReadOnlyDictionary<string, string> maskPaths)
    {
        Name = name;
        BeforePath = beforePath;
        AfterPath = afterPath;
        Width = width;
        Height = height;
        MaskPaths = maskPaths;
    }

    /// <summary>Gets the pair's name: the file name of both images without its extension.</summary>
    public string Name { get; }

    /// <summary>Gets the full path of the image without makeup, in the folder's before/ subfolder.</summary>
    public string BeforePath { get; }

    /// <summary>Gets the full path of the image with makeup, in the folder's after/ subfolder.</summary>
    public string AfterPath { get; }

    /// <summary>Gets the width of both images in pixels, read from their headers when the folder was opened.</summary>
    public int Width { get; }

    /// <summary>Gets the height of both images in pixels, read from their headers when the folder was opened.</summary>
    public int Height { get; }

    /// <summary>
    /// Gets the full paths of the pair's masks keyed by region (the part of
    /// <c>masks/&lt;name&gt;-&lt;region&gt;.png</c> after the pair name and the hyphen; keys compare ordinally).
    /// Every mask listed had the pair's size when the folder was opened. Empty when the pair has no mask.
    /// </summary>
    public IReadOnlyDictionary<string, string> MaskPaths { get; }

    /// <summary>
    /// Decodes the pair: both images as 8-bit RGB through <see cref="MakeupImage.Load(string, long)"/>, and every
    /// mask as one 8-bit weight per pixel.
    /// </summary>
    /// <remarks>
    /// The caller owns the result and must dispose it. Masks stored in a format other than 8-bit grey are
    /// converted to 8-bit luminance. The sizes are checked again, because the files may have changed since the
    /// folder was opened.
    /// </remarks>
    /// <param name="maxPixels">
    /// The largest width x height accepted for each image and mask, checked before decoding.
    /// </param>
    /// <returns>The decoded pair.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPixels"/> is below 1.</exception>
    /// <exception cref="FileNotFoundException">An image or mask was deleted since the folder was opened.</exception>
    /// <exception cref="InvalidDataException">
    /// An image or mask is not readable, is over <paramref name="maxPixels"/>, or no longer has the pair's size; the
    /// message names the file.
    /// </exception>
    public LoadedPair Load(long maxPixels = MakeupImage.DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1, nameof(maxPixels));

        var before = MakeupImage.Load(BeforePath, maxPixels);
        Image<Rgb24>? after = null;
        try
        {
            CheckSize(BeforePath, before.Width, before.Height);

            after = MakeupImage.Load(AfterPath, maxPixels);
            CheckSize(AfterPath, after.Width, after.Height);

            var masks = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (region, path) in MaskPaths)
            {
                masks.Add(region, LoadMask(path, maxPixels));
            }

            return new LoadedPair(Name, before, after, masks);
        }
        catch
        {
            after?.Dispose();
            before.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Width}x{Height}, {MaskPaths.Count} masks)";

    private byte[] LoadMask(string path, long maxPixels)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The mask file '{path}' does not exist.", path);
        }

        var info = PairFolder.Identify(path, out var reason);
        if (info is null)
        {
            throw new InvalidDataException($"The mask '{path}' cannot be read: {reason}");
        }

        if ((long)info.Width * info.Height > maxPixels)
        {
            throw new InvalidDataException(
                $"The mask '{path}' is {info.Width}x{info.Height}, over the limit of {maxPixels} pixels.");
        }

        CheckSize(path, info.Width, info.Height);

        try
        {
            using var mask = Image.Load<L8>(path);
            CheckSize(path, mask.Width, mask.Height);
            var weights = new byte[Width * Height];
            mask.CopyPixelDataTo(weights);
            return weights;
        }
        catch (ImageFormatException exception)
        {
            throw new InvalidDataException($"The mask '{path}' is corrupt: {exception.Message}", exception);
        }
        catch (NotSupportedException exception)
        {
            throw new InvalidDataException(
                $"The mask '{path}' uses an unsupported feature: {exception.Message}", exception);
        }
    }

    private void CheckSize(string path, int width, int height)
    {
        if (width != Width || height != Height)
        {
            throw new InvalidDataException(
                $"The file '{path}' is {width}x{height}, but the pair '{Name}' was {Width}x{Height} when the folder "
                + "was opened; it has changed since.");
        }
    }
}
