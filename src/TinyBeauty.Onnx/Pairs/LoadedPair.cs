using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TinyBeauty.Onnx.Pairs;

/// <summary>
/// A decoded training pair returned by <see cref="PairEntry.Load"/>: the before and after images and the region
/// masks, all of the same width and height. Disposing it releases both images.
/// </summary>
public sealed class LoadedPair : IDisposable
{
    private readonly Image<Rgb24> _before;
    private readonly Image<Rgb24> _after;
    private bool _disposed;

    internal LoadedPair(string name, Image<Rgb24> before, Image<Rgb24> after, IReadOnlyDictionary<string, byte[]> masks)
    {
        Name = name;
        _before = before;
        _after = after;
        Masks = masks;
    }

    /// <summary>Gets the pair's name.</summary>
    public string Name { get; }

    /// <summary>Gets the width of the images and masks in pixels.</summary>
    public int Width => _before.Width;

    /// <summary>Gets the height of the images and masks in pixels.</summary>
    public int Height => _before.Height;

    /// <summary>Gets the image without makeup. It belongs to this object: do not dispose it separately.</summary>
    /// <exception cref="ObjectDisposedException">The pair has been disposed.</exception>
    public Image<Rgb24> Before
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _before;
        }
    }

    /// <summary>Gets the image with makeup. It belongs to this object: do not dispose it separately.</summary>
    /// <exception cref="ObjectDisposedException">The pair has been disposed.</exception>
    public Image<Rgb24> After
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _after;
        }
    }

    /// <summary>
    /// Gets the masks keyed by region: each Width * Height weights, row by row, 0 for pixels outside the region,
    /// in the form <see cref="Core.Metrics.ImageQuality"/> takes. The arrays stay valid after disposal.
    /// </summary>
    public IReadOnlyDictionary<string, byte[]> Masks { get; }

    /// <summary>Releases both images. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _before.Dispose();
        _after.Dispose();
    }
}
