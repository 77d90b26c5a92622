namespace TinyBeauty.Core;

/// <summary>The order and size of the 8-bit channels of one interleaved pixel.</summary>
public enum PixelLayout
{
    /// <summary>Three bytes per pixel: red, green, blue.</summary>
    Rgb24,

    /// <summary>Three bytes per pixel: blue, green, red (OpenCV's default order).</summary>
    Bgr24,

    /// <summary>Four bytes per pixel: red, green, blue, alpha.</summary>
    Rgba32,
}

/// <summary>Facts about <see cref="PixelLayout"/> values.</summary>
public static class PixelLayoutExtensions
{
    /// <summary>Returns the number of bytes one pixel occupies: 3 for RGB and BGR, 4 for RGBA.</summary>
    /// <param name="layout">The layout.</param>
    /// <returns>3 or 4.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layout"/> is not a defined value.</exception>
    public static int BytesPerPixel(this PixelLayout layout) => layout switch
    {
        PixelLayout.Rgb24 => 3,
        PixelLayout.Bgr24 => 3,
        PixelLayout.Rgba32 => 4,
        _ => throw new ArgumentOutOfRangeException(
            nameof(layout), layout, $"The layout must be Rgb24, Bgr24 or Rgba32, but was {(int)layout}."),
    };

    /// <summary>Returns the byte offset of red inside a pixel: 0 for RGB and RGBA, 2 for BGR.</summary>
    internal static int RedOffset(this PixelLayout layout) => layout == PixelLayout.Bgr24 ? 2 : 0;
}
