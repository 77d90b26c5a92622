using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyBeauty.Core;

/// <summary>
/// Applies a low-resolution makeup residual to a full-resolution 8-bit photo in one fused pass: upsample,
/// scale, add to the normalised photo, clamp, map back to bytes.
/// </summary>
/// <remarks>
/// <para>
/// The residual is a 3 x h x w float32 tensor (red, green, blue planes) of any size and aspect ratio, normally
/// in [-1, 1]. It is stretched over the photo (or over a <see cref="ResidualRegion"/>) with the float bilinear
/// rule of <see cref="ImageResize.Bilinear(ReadOnlyPlanarTensorView, PlanarTensorView)"/>: half-pixel centres,
/// taps clamped to the edges, giving <c>r</c> per pixel and channel. Then, for each colour byte <c>v</c>, all in
/// float32 and in this order:
/// </para>
/// <code>
/// b = v / 127.5f - 1f
/// x = b + s * r                  // s = intensity (times the feather weight inside a region)
/// x = clamp(x, -1f, 1f)
/// out = (byte)(int)((x / 2f + 0.5f) * 255f)   // truncation, as NumPy's astype(uint8)
/// </code>
/// <para>
/// With intensity 1 this is the official TinyBeauty postprocessing, and on the official residual and photo it
/// reproduces the reference output. The mapping back is not an exact inverse of the normalisation: with a zero
/// residual, truncation lowers 63 of the 256 byte values by one level (the reference behaves the same). So an
/// intensity of exactly 0 is special-cased to copy the photo unchanged; a tiny non-zero intensity (or the faint
/// outer ring of a feathered region) can still lower such values by one. The alpha byte of
/// <see cref="PixelLayout.Rgba32"/> is copied untouched; for <see cref="PixelLayout.Bgr24"/> residual plane 0
/// (red) goes to byte offset 2.
/// </para>
/// <para>
/// Memory: the source and destination may be the same memory (same buffer start and stride: in-place); any
/// other overlap gives undefined results. Scratch rows come from <see cref="ArrayPool{T}.Shared"/>, so repeated
/// calls allocate nothing. <see cref="Apply(ReadOnlyPlanarTensorView, ReadOnlyImageView, ImageView, float)"/> is
/// the fast path (Vector512, Vector256 or Vector128, whichever the machine accelerates);
/// <see cref="ApplyScalar(ReadOnlyPlanarTensorView, ReadOnlyImageView, ImageView, float)"/> is the plain
/// reference it is tested against. The two agree exactly: they perform the same float operations in the same
/// order (the vector code's rewrites of the two divisions are proven equal, see the kernels).
/// </para>
/// <para>
/// Threads: by default the calling thread does all the work; <see cref="MaxDegreeOfParallelism"/> lets a large
/// photo be split into horizontal bands processed on several cores, with the same result.
/// </para>
/// </remarks>
public static partial class ResidualApplier
{
    /// <summary>
    /// The widest vector, in bits, the fast path may use: 512, 256, 128, or 0 for scalar only. Tests and
    /// benchmarks lower it to cover every path on one machine; it is not meant to change in production.
    /// </summary>
    internal static int MaxVectorBits { get; set; } = 512;

    /// <summary>Applies <paramref name="residual"/> to the whole photo (fast path).</summary>
    /// <param name="residual">A 3 x h x w residual, red plane first.</param>
    /// <param name="source">The photo to read.</param>
    /// <param name="destination">
    /// The photo to write: same size and layout as the source; may be the source itself.
    /// </param>
    /// <param name="intensity">The residual's strength, finite and within [0, 2]; 1 is the model's.</param>
    /// <exception cref="ArgumentException">
    /// The residual does not have 3 channels, or the source and destination differ in size or layout.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="intensity"/> is not finite or outside [0, 2].
    /// </exception>
    public static void Apply(
        ReadOnlyPlanarTensorView residual,
        ReadOnlyImageView source,
        ImageView destination,
        float intensity = 1f) =>
        Apply(residual, source, destination, new ResidualRegion(0, 0, source.Width, source.Height), intensity);

    /// <summary>
    /// Applies <paramref name="residual"/> to <paramref name="region"/> of the photo (fast path), weighted by the
    /// region's feather ramp; pixels outside the region are copied unchanged.
    /// </summary>
    /// <param name="residual">A 3 x h x w residual, red plane first; it is stretched over the region.</param>
    /// <param name="source">The photo to read.</param>
    /// <param name="destination">
    /// The photo to write: same size and layout as the source; may be the source itself.
    /// </param>
    /// <param name="region">The rectangle the residual covers; it must lie inside the photo.</param>
    /// <param name="intensity">The residual's strength, finite and within [0, 2]; 1 is the model's.</param>
    /// <exception cref="ArgumentException">
    /// The residual does not have 3 channels, or the source and destination differ in size or layout.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="intensity"/> is not finite or outside [0, 2], or <paramref name="region"/> does not lie
    /// inside the photo.
    /// </exception>
    public static void Apply(
        ReadOnlyPlanarTensorView residual,
        ReadOnlyImageView source,
        ImageView destination,
        ResidualRegion region,
        float intensity = 1f)
    {
        Validate(residual, source, destination, region, intensity);
        if (intensity == 0f)
        {
            CopyImage(source, destination);
            return;
        }

        var bytesPerPixel = source.Layout.BytesPerPixel();
        var length = region.Width * bytesPerPixel;
        var taps = ArrayPool<int>.Shared.Rent(2 * region.Width);
        var weights = ArrayPool<float>.Shared.Rent(2 * region.Width + length);
        var rows = ArrayPool<float>.Shared.Rent(2 * length);
        try
        {
            var columnWeights = weights.AsSpan(2 * region.Width, region.Feather == 0 ? 0 : length);
            PrepareColumns(residual.Width, region, bytesPerPixel, taps, weights, columnWeights);
            ApplyInBands(
                residual,
                source,
                destination,
                region,
                intensity,
                taps.AsSpan(0, 2 * region.Width),
                weights.AsSpan(0, 2 * region.Width),
                columnWeights,
                rows.AsSpan(0, 2 * length));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(taps);
            ArrayPool<float>.Shared.Return(weights);
            ArrayPool<float>.Shared.Return(rows);
        }
    }

    private static void Validate(
        ReadOnlyPlanarTensorView residual,
        ReadOnlyImageView source,
        ImageView destination,
        ResidualRegion region,
        float intensity)
    {
        if (residual.Channels != 3)
        {
            ThrowHelper.Argument(
                nameof(residual),
                $"The residual must have 3 channels (red, green, blue), but has {residual.Channels}.");
        }

        if (source.Width != destination.Width || source.Height != destination.Height
            || source.Layout != destination.Layout)
        {
            ThrowHelper.Argument(
                nameof(destination),
                $"The destination must be a {source.Width}x{source.Height} {source.Layout} image like the source, "
                + $"but is {destination.Width}x{destination.Height} {destination.Layout}.");
        }

        if (!float.IsFinite(intensity) || intensity < 0f || intensity > 2f)
        {
            ThrowHelper.ArgumentOutOfRange(
                nameof(intensity),
                $"The intensity must be a finite value within [0, 2], but was {intensity}.");
        }

        region.Validate(source.Width, source.Height, nameof(region));
    }

    /// <summary>
    /// Fills the two residual columns and weights of every region column, and, for a feathered region, the
    /// horizontal feather weight of every byte of a region row.
    /// </summary>
    private static void PrepareColumns(
        int residualWidth,
        ResidualRegion region,
        int bytesPerPixel,
        Span<int> taps,
        Span<float> weights,
        Span<float> columnWeights)
    {
        var scale = BilinearTaps.Scale(residualWidth, region.Width);
        for (var x = 0; x < region.Width; x++)
        {
            BilinearTaps.Column(x, scale, residualWidth, out taps[2 * x], out taps[2 * x + 1], out var fraction);
            weights[2 * x] = 1f - fraction;
            weights[2 * x + 1] = fraction;
            if (!columnWeights.IsEmpty)
            {
                columnWeights.Slice(x * bytesPerPixel, bytesPerPixel)
                    .Fill(ResidualRegion.Ramp(x, region.Width, region.Feather));
            }
        }
    }

    private static void ApplyRows(
        ReadOnlyPlanarTensorView residual,
        ReadOnlyImageView source,
        ImageView destination,
        ResidualRegion region,
        float intensity,
        ReadOnlySpan<int> taps,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> columnWeights,
        Span<float> rows,
        int firstRow,
        int endRow)
    {
        var bytesPerPixel = source.Layout.BytesPerPixel();
        var start = region.X * bytesPerPixel;
        var length = region.Width * bytesPerPixel;
        var inPlace = IsInPlace(source, destination);
        var scale = BilinearTaps.Scale(residual.Height, region.Height);
        Span<int> cached = [-1, -1];

        for (var y = firstRow; y < endRow; y++)
        {
            var sourceRow = source.GetRow(y);
            var destinationRow = destination.GetRow(y);
            var ry = y - region.Y;
            if (ry < 0 || ry >= region.Height)
            {
                CopyUnlessInPlace(sourceRow, destinationRow, inPlace);
                continue;
            }

            CopyUnlessInPlace(sourceRow[..start], destinationRow, inPlace);
            CopyUnlessInPlace(sourceRow[(start + length)..], destinationRow[(start + length)..], inPlace);

            // Upsample each residual row horizontally once; consecutive photo rows mostly share both rows.
            BilinearTaps.Row(ry, scale, residual.Height, out var y0, out var y1, out var fraction);
            var slot0 = FindOrClaim(y0, y1, cached);
            if (slot0 >= 0)
            {
                UpsampleRow(residual, y0, source.Layout, taps, weights, rows.Slice(slot0 * length, length));
            }

            var slot1 = FindOrClaim(y1, y0, cached);
            if (slot1 >= 0)
            {
                UpsampleRow(residual, y1, source.Layout, taps, weights, rows.Slice(slot1 * length, length));
            }

            var rowScale = intensity * ResidualRegion.Ramp(ry, region.Height, region.Feather);
            FuseRow(
                sourceRow.Slice(start, length),
                destinationRow.Slice(start, length),
                rows.Slice((cached[0] == y0 ? 0 : 1) * length, length),
                rows.Slice((cached[0] == y1 ? 0 : 1) * length, length),
                1f - fraction,
                fraction,
                rowScale,
                columnWeights,
                source.Layout == PixelLayout.Rgba32);
        }
    }

    private static bool IsInPlace(ReadOnlyImageView source, ImageView destination) =>
        source.Stride == destination.Stride
        && Unsafe.AreSame(
            ref MemoryMarshal.GetReference(source.Pixels),
            ref MemoryMarshal.GetReference(destination.Pixels));

    private static void CopyImage(ReadOnlyImageView source, ImageView destination)
    {
        if (!IsInPlace(source, destination))
        {
            for (var y = 0; y < source.Height; y++)
            {
                source.GetRow(y).CopyTo(destination.GetRow(y));
            }
        }
    }

    private static void CopyUnlessInPlace(ReadOnlySpan<byte> source, Span<byte> destination, bool inPlace)
    {
        if (!inPlace)
        {
            source.CopyTo(destination);
        }
    }

    /// <summary>
    /// Returns -1 when residual row <paramref name="row"/> is already upsampled in one of the two slots;
    /// otherwise claims the slot that does not hold <paramref name="keep"/>, records the row and returns it.
    /// </summary>
    private static int FindOrClaim(int row, int keep, Span<int> cached)
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
    /// Upsamples residual row <paramref name="y"/> horizontally into an interleaved row laid out like the photo's
    /// bytes (0 for alpha).
    /// </summary>
    private static void UpsampleRow(
        ReadOnlyPlanarTensorView residual,
        int y,
        PixelLayout layout,
        ReadOnlySpan<int> taps,
        ReadOnlySpan<float> weights,
        Span<float> row)
    {
        var bytesPerPixel = layout.BytesPerPixel();
        var redOffset = layout.RedOffset();
        var planeSize = residual.Height * residual.Width;
        var pixels = row.Length / bytesPerPixel;
        if (taps.Length < 2 * pixels || weights.Length < 2 * pixels)
        {
            ThrowHelper.Argument(nameof(taps), "There must be two taps and two weights per pixel of the row.");
        }

        // Hot loop without bounds checks: the lengths were checked above, and the taps were clamped to
        // [0, residual width) when they were prepared. One pass over the pixels reads each pixel's taps and
        // weights once for all three channels.
        ref var tap = ref MemoryMarshal.GetReference(taps);
        ref var weight = ref MemoryMarshal.GetReference(weights);
        ref var output = ref MemoryMarshal.GetReference(row);
        var rowStart = y * residual.Width;
        ref var red = ref MemoryMarshal.GetReference(residual.Data.Slice(rowStart, residual.Width));
        ref var green = ref MemoryMarshal.GetReference(residual.Data.Slice(planeSize + rowStart, residual.Width));
        ref var blue = ref MemoryMarshal.GetReference(residual.Data.Slice(2 * planeSize + rowStart, residual.Width));
        var blueOffset = 2 - redOffset;
        for (nint x = 0, i = 0; x < pixels; x++, i += bytesPerPixel)
        {
            var left = Unsafe.Add(ref tap, 2 * x);
            var right = Unsafe.Add(ref tap, 2 * x + 1);
            var leftWeight = Unsafe.Add(ref weight, 2 * x);
            var rightWeight = Unsafe.Add(ref weight, 2 * x + 1);
            Unsafe.Add(ref output, i + redOffset) =
                Unsafe.Add(ref red, left) * leftWeight + Unsafe.Add(ref red, right) * rightWeight;
            Unsafe.Add(ref output, i + 1) =
                Unsafe.Add(ref green, left) * leftWeight + Unsafe.Add(ref green, right) * rightWeight;
            Unsafe.Add(ref output, i + blueOffset) =
                Unsafe.Add(ref blue, left) * leftWeight + Unsafe.Add(ref blue, right) * rightWeight;
        }

        if (bytesPerPixel == 4)
        {
            for (var i = 3; i < row.Length; i += 4)
            {
                row[i] = 0f;
            }
        }
    }
}
