namespace TinyBeauty.Core;

/// <summary>
/// A read-only view of an interleaved 8-bit image held in caller memory: <see cref="Height"/> rows of
/// <see cref="Width"/> pixels, each row starting <see cref="Stride"/> bytes after the previous one.
/// </summary>
/// <remarks>
/// The view owns nothing and copies nothing. Bytes between the end of a row's pixels and the start of the
/// next row (stride padding) are never read by this package.
/// </remarks>
public readonly ref struct ReadOnlyImageView
{
    private readonly ReadOnlySpan<byte> _pixels;

    /// <summary>Creates a view over <paramref name="pixels"/>.</summary>
    /// <param name="pixels">
    /// The buffer; it must hold at least (height - 1) * stride + width * bytesPerPixel bytes.
    /// </param>
    /// <param name="width">The width in pixels, at least 1.</param>
    /// <param name="height">The height in pixels, at least 1.</param>
    /// <param name="layout">The channel order of each pixel.</param>
    /// <param name="stride">
    /// The distance in bytes from one row to the next; 0 means packed rows (width * bytesPerPixel).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="width"/> or <paramref name="height"/> is below 1, <paramref name="stride"/> is neither 0
    /// nor at least width * bytesPerPixel, or <paramref name="layout"/> is not defined.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> is too short for the image.</exception>
    public ReadOnlyImageView(ReadOnlySpan<byte> pixels, int width, int height, PixelLayout layout, int stride = 0)
    {
        var packed = width * layout.BytesPerPixel();
        stride = stride == 0 ? packed : stride;
        ThrowHelper.ValidateImage(pixels.Length, width, height, layout, stride);
        _pixels = pixels;
        Width = width;
        Height = height;
        Layout = layout;
        Stride = stride;
    }

    /// <summary>Gets the whole buffer the view was created over, padding included.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets the distance in bytes from the start of one row to the start of the next.</summary>
    public int Stride { get; }

    /// <summary>Gets the channel order of each pixel.</summary>
    public PixelLayout Layout { get; }

    /// <summary>Returns the Width * bytesPerPixel bytes of row <paramref name="y"/>, without padding.</summary>
    /// <param name="y">The row, from 0 (top) to <see cref="Height"/> - 1.</param>
    /// <returns>The pixels of the row.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="y"/> is outside [0, Height).</exception>
    public ReadOnlySpan<byte> GetRow(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return _pixels.Slice(y * Stride, Width * Layout.BytesPerPixel());
    }
}
