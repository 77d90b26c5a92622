using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyBeauty.Core;

/// <summary>Bilinear resizing of 8-bit images and float planar tensors with OpenCV's sampling rules.</summary>
public static partial class ImageResize
{
    /// <summary>
    /// Resizes an 8-bit image to the size of <paramref name="destination"/> exactly as OpenCV 4.x
    /// <c>cv::resize(src, dst, dsize, 0, 0, INTER_LINEAR)</c> does on x86, every channel (alpha too) alike.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Sampling: with scale = 1 / ((double)dstSize / srcSize), destination column dx reads the float
    /// <c>fx = (float)((dx + 0.5) * scale - 0.5)</c>, <c>sx = floor(fx)</c>, fraction <c>fx - sx</c>; a tap left of
    /// column 0 or at/after the last column is clamped to that edge with fraction 0. Rows use the same formula,
    /// but only the two row indices are clipped; the fraction is kept.
    /// </para>
    /// <para>
    /// Arithmetic: weights are 11-bit fixed point, <c>round((1 - f) * 2048)</c> and <c>round(f * 2048)</c>
    /// (half to even). The horizontal pass gives integers <c>H = a0 * S[sx] + a1 * S[sx + 1]</c>. The vertical
    /// pass gives <c>((((H0 &gt;&gt; 4) * b0) &gt;&gt; 16) + (((H1 &gt;&gt; 4) * b1) &gt;&gt; 16) + 2) &gt;&gt; 2</c>
    /// for every element. OpenCV's vector loop (<c>VResizeLinearVec_32s8u</c>) computes exactly this, and the
    /// committed fixtures (Debian 12's OpenCV 4.6, SSE2 baseline) show that the row tails left to its scalar
    /// code agree with it too, so the result does not depend on the vector width of the OpenCV build.
    /// </para>
    /// <para>
    /// For an exact reduction by an even whole factor k in both directions (1024 to 256 is k = 4) every output is
    /// <c>(a + b + c + d + 2) &gt;&gt; 2</c> of the 2x2 block at rows and columns k i + k / 2 - 1 and k i + k / 2;
    /// that case takes a shortcut with the same result. The source and destination must not overlap. Scratch
    /// memory comes from <see cref="ArrayPool{T}.Shared"/>.
    /// </para>
    /// </remarks>
    /// <param name="source">The image to read.</param>
    /// <param name="destination">The image to write; its size chooses the scale.</param>
    /// <exception cref="ArgumentException">The two images have different layouts.</exception>
    public static void Bilinear(ReadOnlyImageView source, ImageView destination)
    {
        if (source.Layout != destination.Layout)
        {
            ThrowHelper.Argument(
                nameof(destination),
                $"The destination layout must equal the source layout {source.Layout}, but was {destination.Layout}.");
        }

        Bilinear(
            source.Pixels,
            source.Width,
            source.Height,
            source.Stride,
            destination.Pixels,
            destination.Width,
            destination.Height,
            destination.Stride,
            source.Layout.BytesPerPixel());
    }

    /// <summary>The 8-bit resize on raw interleaved rows of any channel count (the tests also use 1).</summary>
    internal static void Bilinear(
        ReadOnlySpan<byte> source,
        int sourceWidth,
        int sourceHeight,
        int sourceStride,
        Span<byte> destination,
        int destinationWidth,
        int destinationHeight,
        int destinationStride,
        int channels)
    {
        if (IsEvenReduction(sourceWidth, destinationWidth) && IsEvenReduction(sourceHeight, destinationHeight))
        {
            AverageBlocks(
                source, sourceWidth / destinationWidth, sourceHeight / destinationHeight, sourceStride,
                destination, destinationWidth, destinationHeight, destinationStride, channels);
            return;
        }

        var rowLength = destinationWidth * channels;
        var columns = ArrayPool<int>.Shared.Rent(4 * rowLength);
        var rows = ArrayPool<int>.Shared.Rent(2 * rowLength);
        try
        {
            PrepareColumns(sourceWidth, destinationWidth, channels, columns.AsSpan(0, 4 * rowLength));
            var scale = BilinearTaps.Scale(sourceHeight, destinationHeight);
            Span<int> cached = [-1, -1];
            for (var dy = 0; dy < destinationHeight; dy++)
            {
                BilinearTaps.Row(dy, scale, sourceHeight, out var y0, out var y1, out var fraction);

                // Keep the horizontally filtered rows of the previous output row when they are needed again.
                var slot0 = FindOrFill(y0, y1, cached);
                if (slot0 >= 0)
                {
                    HorizontalPass(
                        source.Slice(y0 * sourceStride, sourceWidth * channels),
                        columns.AsSpan(0, 4 * rowLength),
                        rows.AsSpan(slot0 * rowLength, rowLength));
                }

                var slot1 = FindOrFill(y1, y0, cached);
                if (slot1 >= 0)
                {
                    HorizontalPass(
                        source.Slice(y1 * sourceStride, sourceWidth * channels),
                        columns.AsSpan(0, 4 * rowLength),
                        rows.AsSpan(slot1 * rowLength, rowLength));
                }

                VerticalPass(
                    rows.AsSpan((cached[0] == y0 ? 0 : 1) * rowLength, rowLength),
                    rows.AsSpan((cached[0] == y1 ? 0 : 1) * rowLength, rowLength),
                    BilinearTaps.ToFixed(1f - fraction),
                    BilinearTaps.ToFixed(fraction),
                    destination.Slice(dy * destinationStride, rowLength));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(columns);
            ArrayPool<int>.Shared.Return(rows);
        }
    }

    /// <summary>
    /// Gets or sets whether even whole-number reductions take the block-average shortcut. Tests turn it off to
    /// compare the shortcut with the general fixed-point path.
    /// </summary>
    internal static bool UseBlockAverage { get; set; } = true;

    /// <summary>
    /// Tells whether a reduction by an even whole factor k keeps every tap of OpenCV's rule at fraction one half,
    /// reading source pixels k * d + k / 2 - 1 and k * d + k / 2 (never clamped). Each tap is checked with the
    /// same float arithmetic as the general path, so the shortcut is taken only when it is provably identical.
    /// </summary>
    private static bool IsEvenReduction(int sourceSize, int destinationSize)
    {
        if (!UseBlockAverage || sourceSize % destinationSize != 0 || (sourceSize / destinationSize) % 2 != 0)
        {
            return false;
        }

        var factor = sourceSize / destinationSize;
        var scale = BilinearTaps.Scale(sourceSize, destinationSize);
        for (var d = 0; d < destinationSize; d++)
        {
            BilinearTaps.Column(d, scale, sourceSize, out var s0, out _, out var fraction);
            if (fraction != 0.5f || s0 != factor * d + factor / 2 - 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The even-reduction shortcut. With both weights 1024 of 2048, the horizontal pass gives 1024 * (a + b) and
    /// the vertical pass ((1024 * (a + b) &gt;&gt; 4) * 1024) &gt;&gt; 16 = a + b per row, so each output is
    /// <c>(a + b + c + d + 2) &gt;&gt; 2</c> over the 2 x 2 block at rows and columns k * d + k / 2 - 1 and
    /// k * d + k / 2: the same bytes as the general path, with no scratch rows.
    /// </summary>
    private static void AverageBlocks(
        ReadOnlySpan<byte> source,
        int factorX,
        int factorY,
        int sourceStride,
        Span<byte> destination,
        int destinationWidth,
        int destinationHeight,
        int destinationStride,
        int channels)
    {
        var firstColumn = (factorX / 2 - 1) * channels;
        var columnStep = factorX * channels;
        for (var dy = 0; dy < destinationHeight; dy++)
        {
            var top = source.Slice((factorY * dy + factorY / 2 - 1) * sourceStride);
            var bottom = top.Slice(sourceStride);
            var output = destination.Slice(dy * destinationStride, destinationWidth * channels);
            for (int dx = 0, sx = firstColumn, o = 0; dx < destinationWidth; dx++, sx += columnStep)
            {
                for (var c = 0; c < channels; c++, o++)
                {
                    var i = sx + c;
                    var sum = top[i] + top[i + channels] + bottom[i] + bottom[i + channels];
                    output[o] = (byte)((sum + 2) >> 2);
                }
            }
        }
    }

    /// <summary>
    /// Returns -1 when source row <paramref name="row"/> is already filtered in one of the two slots; otherwise
    /// claims a slot that does not hold <paramref name="keep"/>, records the row there and returns the slot.
    /// </summary>
    private static int FindOrFill(int row, int keep, Span<int> cached)
    {
        if (cached[0] == row || cached[1] == row)
        {
            return -1;
        }

        var slot = cached[0] == keep ? 1 : 0;
        cached[slot] = row;
        return slot;
    }

    /// <summary>
    /// Fills, for every destination element, four consecutive ints: the two source element indices and their
    /// fixed-point weights.
    /// </summary>
    private static void PrepareColumns(int sourceWidth, int destinationWidth, int channels, Span<int> columns)
    {
        var scale = BilinearTaps.Scale(sourceWidth, destinationWidth);
        for (var dx = 0; dx < destinationWidth; dx++)
        {
            BilinearTaps.Column(dx, scale, sourceWidth, out var s0, out var s1, out var fraction);
            var a0 = BilinearTaps.ToFixed(1f - fraction);
            var a1 = BilinearTaps.ToFixed(fraction);
            for (var k = 0; k < channels; k++)
            {
                var i = 4 * (dx * channels + k);
                columns[i] = s0 * channels + k;
                columns[i + 1] = s1 * channels + k;
                columns[i + 2] = a0;
                columns[i + 3] = a1;
            }
        }
    }

    private static void HorizontalPass(ReadOnlySpan<byte> source, ReadOnlySpan<int> columns, Span<int> row)
    {
        // The taps were clamped to the source row when they were prepared, so the reads skip bounds checks.
        ref var pixels = ref MemoryMarshal.GetReference(source);
        ref var tap = ref MemoryMarshal.GetReference(columns);
        for (var i = 0; i < row.Length; i++, tap = ref Unsafe.Add(ref tap, 4))
        {
            row[i] = Unsafe.Add(ref pixels, tap) * Unsafe.Add(ref tap, 2)
                + Unsafe.Add(ref pixels, Unsafe.Add(ref tap, 1)) * Unsafe.Add(ref tap, 3);
        }
    }

    private static void VerticalPass(
        ReadOnlySpan<int> row0,
        ReadOnlySpan<int> row1,
        int b0,
        int b1,
        Span<byte> destination)
    {
        // Drop 4 bits, multiply keeping the high 16 bits of the product, then round away the last 2 bits.
        for (var i = 0; i < destination.Length; i++)
        {
            var sum = (((row0[i] >> 4) * b0) >> 16) + (((row1[i] >> 4) * b1) >> 16);
            destination[i] = (byte)Math.Clamp((sum + 2) >> 2, 0, 255);
        }
    }
}
