namespace TinyBeauty.Core;

/// <content>The scalar reference implementation.</content>
public static partial class ResidualApplier
{
    /// <summary>
    /// Applies <paramref name="residual"/> to the whole photo with the plain scalar reference loop: the same
    /// contract and results as <see cref="Apply(ReadOnlyPlanarTensorView, ReadOnlyImageView, ImageView, float)"/>,
    /// but computed pixel by pixel, with the bilinear taps worked out afresh for every pixel. It is the
    /// correctness oracle and the benchmark baseline, not the fast path; it allocates nothing.
    /// </summary>
    /// <param name="residual">A 3 x h x w residual, red plane first.</param>
    /// <param name="source">The photo to read.</param>
    /// <param name="destination">
    /// The photo to write: same size and layout as the source; may be the source itself.
    /// </param>
    /// <param name="intensity">The residual's strength, finite and within [0, 2].</param>
    /// <exception cref="ArgumentException">
    /// The residual does not have 3 channels, or the source and destination differ in size or layout.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="intensity"/> is not finite or outside [0, 2].
    /// </exception>
    public static void ApplyScalar(
        ReadOnlyPlanarTensorView residual,
        ReadOnlyImageView source,
        ImageView destination,
        float intensity = 1f) =>
        ApplyScalar(residual, source, destination, new ResidualRegion(0, 0, source.Width, source.Height), intensity);

    /// <summary>
    /// Applies <paramref name="residual"/> to <paramref name="region"/> with the plain scalar reference loop; see
    /// <see cref="ApplyScalar(ReadOnlyPlanarTensorView, ReadOnlyImageView, ImageView, float)"/> and
    /// <see cref="Apply(ReadOnlyPlanarTensorView, ReadOnlyImageView, ImageView, ResidualRegion, float)"/>.
    /// </summary>
    /// <param name="residual">A 3 x h x w residual, red plane first; it is stretched over the region.</param>
    /// <param name="source">The photo to read.</param>
    /// <param name="destination">
    /// The photo to write: same size and layout as the source; may be the source itself.
    /// </param>
    /// <param name="region">The rectangle the residual covers; it must lie inside the photo.</param>
    /// <param name="intensity">The residual's strength, finite and within [0, 2].</param>
    /// <exception cref="ArgumentException">
    /// The residual does not have 3 channels, or the source and destination differ in size or layout.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="intensity"/> is not finite or outside [0, 2], or <paramref name="region"/> does not lie
    /// inside the photo.
    /// </exception>
    public static void ApplyScalar(
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
        var redOffset = source.Layout.RedOffset();
        var scaleX = BilinearTaps.Scale(residual.Width, region.Width);
        var scaleY = BilinearTaps.Scale(residual.Height, region.Height);
        for (var y = 0; y < source.Height; y++)
        {
            var sourceRow = source.GetRow(y);
            var destinationRow = destination.GetRow(y);
            for (var x = 0; x < source.Width; x++)
            {
                var p = x * bytesPerPixel;
                var (rx, ry) = (x - region.X, y - region.Y);
                if (rx < 0 || ry < 0 || rx >= region.Width || ry >= region.Height)
                {
                    for (var k = 0; k < bytesPerPixel; k++)
                    {
                        destinationRow[p + k] = sourceRow[p + k];
                    }

                    continue;
                }

                BilinearTaps.Column(rx, scaleX, residual.Width, out var x0, out var x1, out var fx);
                BilinearTaps.Row(ry, scaleY, residual.Height, out var y0, out var y1, out var fy);
                var scale = intensity * ResidualRegion.Ramp(ry, region.Height, region.Feather)
                    * ResidualRegion.Ramp(rx, region.Width, region.Feather);
                for (var c = 0; c < 3; c++)
                {
                    var plane = residual.GetPlane(c);
                    var top = plane[y0 * residual.Width + x0] * (1f - fx) + plane[y0 * residual.Width + x1] * fx;
                    var bottom = plane[y1 * residual.Width + x0] * (1f - fx) + plane[y1 * residual.Width + x1] * fx;
                    var r = top * (1f - fy) + bottom * fy;
                    var offset = c == 1 ? 1 : c == 0 ? redOffset : 2 - redOffset;
                    destinationRow[p + offset] = Map(sourceRow[p + offset], scale, r);
                }

                if (bytesPerPixel == 4)
                {
                    destinationRow[p + 3] = sourceRow[p + 3];
                }
            }
        }
    }
}
