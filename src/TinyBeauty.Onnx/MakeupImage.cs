using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Onnx;

/// <summary>
/// Reads and writes photos with ImageSharp, guarded for untrusted input: the size is read from the file's header
/// and checked against a pixel limit before any pixel data is decoded, and files are written atomically.
/// </summary>
public static class MakeupImage
{
    /// <summary>The default pixel limit: 64 megapixels (an 8192 x 8192 photo), about 192 MB decoded.</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    private static readonly Configuration s_configuration = CreateConfiguration();

    /// <summary>Decodes a photo file to 8-bit RGB.</summary>
    /// <param name="path">The file: PNG, JPEG, BMP, GIF, TGA, TIFF, WebP or PBM.</param>
    /// <param name="maxPixels">The largest width x height accepted; checked before decoding the pixels.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, not an image, in an unsupported format, corrupt,
    /// or larger than <paramref name="maxPixels"/>; the message names the file and the problem.</exception>
    public static Image<Rgb24> Load(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The image file '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return Load(stream, maxPixels, $"'{path}'");
    }

    /// <summary>Decodes a photo from a stream to 8-bit RGB. The stream is not disposed.</summary>
    /// <inheritdoc cref="Load(string, long)"/>
    public static Image<Rgb24> Load(Stream stream, long maxPixels = DefaultMaxPixels) =>
        Load(stream, maxPixels, "the image stream");

    /// <summary>
    /// Encodes a photo to a file, choosing the format from the extension (.png, .jpg, .jpeg, .bmp, .gif, .tga,
    /// .tif, .tiff, .webp). The image is written to a temporary file in the same folder, which then replaces the
    /// destination, so a failure never leaves a half-written file behind.
    /// </summary>
    /// <exception cref="ArgumentException">The extension names no supported format.</exception>
    public static void Save(Image image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var encoder = FindEncoder(path);
        var fullPath = Path.GetFullPath(path);
        var temporary = Path.Combine(
            Path.GetDirectoryName(fullPath) ?? ".", $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");

        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                image.Save(stream, encoder);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Throws unless the path's extension names an image format this class can write.</summary>
    /// <exception cref="ArgumentException">The extension names no supported format.</exception>
    public static void CheckWritableFormat(string path) => FindEncoder(path);

    private static Image<Rgb24> Load(Stream stream, long maxPixels, string origin)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1, nameof(maxPixels));
        var seekable = stream.CanSeek ? stream : CopyToMemory(stream);

        try
        {
            var start = seekable.Position;
            if (seekable.Length - start == 0)
            {
                throw new InvalidDataException($"The image {origin} is empty (0 bytes).");
            }

            var info = Image.Identify(s_configuration, seekable, out var format);
            if (info is null || format is null)
            {
                throw new InvalidDataException(
                    $"The image {origin} is not in a supported format (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM).");
            }

            var pixels = (long)info.Width * info.Height;
            if (pixels > maxPixels)
            {
                throw new InvalidDataException(
                    $"The image {origin} is {info.Width}x{info.Height} ({pixels} pixels), over the limit of "
                    + $"{maxPixels} pixels.");
            }

            seekable.Position = start;
            return Image.Load<Rgb24>(s_configuration, seekable);
        }
        catch (UnknownImageFormatException exception)
        {
            throw new InvalidDataException(
                $"The image {origin} is not in a supported format (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM).",
                exception);
        }
        catch (ImageFormatException exception)
        {
            throw new InvalidDataException($"The image {origin} is corrupt: {exception.Message}", exception);
        }
        catch (NotSupportedException exception)
        {
            throw new InvalidDataException($"The image {origin} uses an unsupported feature: {exception.Message}",
                exception);
        }
        finally
        {
            if (!ReferenceEquals(seekable, stream))
            {
                seekable.Dispose();
            }
        }
    }

    private static MemoryStream CopyToMemory(Stream stream)
    {
        var memory = new MemoryStream();
        stream.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    private static IImageEncoder FindEncoder(string path)
    {
        var extension = Path.GetExtension(path).TrimStart('.');
        var format = extension.Length == 0
            ? null
            : s_configuration.ImageFormatsManager.FindFormatByFileExtension(extension);
        var encoder = format is null ? null : s_configuration.ImageFormatsManager.FindEncoder(format);
        return encoder ?? throw new ArgumentException(
            $"Cannot write '{path}': the extension '{Path.GetExtension(path)}' names no supported image format "
            + "(use .png, .jpg, .bmp, .gif, .tga, .tif or .webp).",
            nameof(path));
    }

    private static Configuration CreateConfiguration()
    {
        // Contiguous pixel buffers let the makeup run over the decoded pixels without a copy.
        var configuration = Configuration.Default.Clone();
        configuration.PreferContiguousImageBuffers = true;
        return configuration;
    }
}
