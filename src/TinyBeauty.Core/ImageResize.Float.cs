using System.Buffers;

namespace TinyBeauty.Core;

/// <content>The float32 planar resize.</content>
public static partial class ImageResize
{
    /// <summary>
    /// Resizes every plane of a float32 CHW tensor to the height and width of <paramref name="destination"/>
    /// with bilinear interpolation, as OpenCV's <c>cv::resize(..., INTER_LINEAR)</c> does on float32 images.
    /// </summary>
    /// <remarks>
    /// Sampling is the one of the 8-bit overload (half-pixel centres, taps clamped to the edges), with float
    /// weights <c>1 - f</c> and <c>f</c>. Each value is
    /// <c>(S[y0][x0] * (1 - fx) + S[y0][x1] * fx) * (1 - fy) + (S[y1][x0] * (1 - fx) + S[y1][x1] * fx) * fy</c>,
    /// every product and sum rounded to float32 in that order (no fused multiply-add). Values are not clamped.
    /// The source and destination must not overlap.
    /// </remarks>
    /// <param name="source">The tensor to read.</param>
    /// <param name="destination">The tensor to write; its height and width choose the scale.</param>
    /// <exception cref="ArgumentException">The two tensors have different channel counts.</exception>
    public static void Bilinear(ReadOnlyPlanarTensorView source, PlanarTensorView destination)
    {
        if (source.Channels != destination.Channels)
        {
            ThrowHelper.Argument(
                nameof(destination),
                $"The destination must have the source's {source.Channels} channels, but has {destination.Channels}.");
        }

        var width = destination.Width;
        var taps = ArrayPool<int>.Shared.Rent(2 * width);
        var weights = ArrayPool<float>.Shared.Rent(2 * width);
        try
        {
            var scale = BilinearTaps.Scale(source.Width, width);
            for (var dx = 0; dx < width; dx++)
            {
                BilinearTaps.Column(dx, scale, source.Width, out taps[2 * dx], out taps[2 * dx + 1], out var fx);
                weights[2 * dx] = 1f - fx;
                weights[2 * dx + 1] = fx;
            }

            for (var c = 0; c < source.Channels; c++)
            {
                ResizePlane(
                    source.GetPlane(c),
                    source.Height,
                    source.Width,
                    destination.GetPlane(c),
                    destination.Height,
                    taps.AsSpan(0, 2 * width),
                    weights.AsSpan(0, 2 * width));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(taps);
            ArrayPool<float>.Shared.Return(weights);
        }
    }

    private static void ResizePlane(
        ReadOnlySpan<float> source,
        int sourceHeight,
        int sourceWidth,
        Span<float> destination,
        int destinationHeight,
        ReadOnlySpan<int> taps,
        ReadOnlySpan<float> weights)
    {
        var width = taps.Length / 2;
        var scale = BilinearTaps.Scale(sourceHeight, destinationHeight);
        for (var dy = 0; dy < destinationHeight; dy++)
        {
            BilinearTaps.Row(dy, scale, sourceHeight, out var y0, out var y1, out var fy);
            var wy0 = 1f - fy;
            var row0 = source.Slice(y0 * sourceWidth, sourceWidth);
            var row1 = source.Slice(y1 * sourceWidth, sourceWidth);
            var output = destination.Slice(dy * width, width);
            for (var dx = 0; dx < width; dx++)
            {
                var x0 = taps[2 * dx];
                var x1 = taps[2 * dx + 1];
                var wx0 = weights[2 * dx];
                var wx1 = weights[2 * dx + 1];
                var h0 = row0[x0] * wx0 + row0[x1] * wx1;
                var h1 = row1[x0] * wx0 + row1[x1] * wx1;
                output[dx] = h0 * wy0 + h1 * fy;
            }
        }
    }
}
