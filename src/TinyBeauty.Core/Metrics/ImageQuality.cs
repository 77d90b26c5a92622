using System.Buffers;
using System.Numerics.Tensors;

namespace TinyBeauty.Core.Metrics;

/// <summary>
/// Full-reference image quality scores for comparing a made-up photo with a target: peak signal-to-noise ratio
/// and structural similarity, over the whole image or over a weighted region such as the lips or the eyes.
/// </summary>
/// <remarks>
/// <para>
/// Both images must have the same width, height and <see cref="PixelLayout"/>. Alpha is ignored, and red, green
/// and blue are found through the layout, so a <see cref="PixelLayout.Bgr24"/> pair scores exactly like the same
/// pair stored as <see cref="PixelLayout.Rgb24"/>.
/// </para>
/// <para>
/// A mask holds one 8-bit weight per pixel, row by row without padding (width * height bytes). Weight 0 excludes
/// a pixel, 255 counts it fully and values between count in proportion, so a feathered region mask can be used
/// as it is. The overloads without a mask weigh every pixel equally.
/// </para>
/// <para>
/// The scores are computed in double precision and allocate nothing on the managed heap apart from scratch
/// buffers rented from <see cref="ArrayPool{T}.Shared"/>.
/// </para>
/// </remarks>
public static class ImageQuality
{
    /// <summary>The side of the square Gaussian window structural similarity uses, in pixels.</summary>
    public const int StructuralSimilarityWindowSize = 11;

    private const int Radius = StructuralSimilarityWindowSize / 2;
    private const double PeakSquared = 255.0 * 255.0;

    // The stabilising constants of Wang et al. (2004): C1 = (K1 * L)^2, C2 = (K2 * L)^2 with K1 = 0.01,
    // K2 = 0.03 and a dynamic range L = 255.
    private const double C1 = 0.01 * 255 * (0.01 * 255);
    private const double C2 = 0.03 * 255 * (0.03 * 255);

    // Six windowed sums per position: weight, weight * x, weight * y, weight * x^2, weight * y^2, weight * x * y.
    private const int Moments = 6;

    private static readonly double[] s_gaussian = CreateGaussian(StructuralSimilarityWindowSize, 1.5);

    /// <summary>
    /// Returns the peak signal-to-noise ratio of <paramref name="b"/> against <paramref name="a"/> in decibels,
    /// over the red, green and blue channels: <c>10 * log10(255^2 / MSE)</c>, where MSE is the mean of the squared
    /// channel differences over every pixel and all three channels.
    /// </summary>
    /// <remarks>
    /// The score is symmetric in its arguments. Identical images (MSE = 0) give
    /// <see cref="double.PositiveInfinity"/>; a constant difference of one level in every channel gives
    /// <c>20 * log10(255)</c>, about 48.13 dB. The squared differences are summed exactly in integers.
    /// </remarks>
    /// <param name="a">The reference image.</param>
    /// <param name="b">The image to score; the same size and layout as <paramref name="a"/>.</param>
    /// <returns>The ratio in dB, at least 0, or positive infinity for identical images.</returns>
    /// <exception cref="ArgumentException">The images differ in width, height or layout.</exception>
    public static double PeakSignalToNoiseRatio(ReadOnlyImageView a, ReadOnlyImageView b)
    {
        ValidatePair(a, b);
        return PeakSignalToNoiseRatio(a, b, ReadOnlySpan<byte>.Empty, masked: false);
    }

    /// <summary>
    /// Returns the peak signal-to-noise ratio of <paramref name="b"/> against <paramref name="a"/> in decibels
    /// over the pixels that <paramref name="mask"/> selects: <c>10 * log10(255^2 / MSE)</c>, where MSE is the
    /// mask-weighted mean of the squared red, green and blue differences,
    /// <c>sum(m * (dR^2 + dG^2 + dB^2)) / (3 * sum(m))</c>.
    /// </summary>
    /// <remarks>
    /// Differences under weight 0 do not count at all, so images that differ only outside the mask give
    /// <see cref="double.PositiveInfinity"/>.
    /// </remarks>
    /// <param name="a">The reference image.</param>
    /// <param name="b">The image to score; the same size and layout as <paramref name="a"/>.</param>
    /// <param name="mask">One weight per pixel, width * height bytes, row by row; 0 excludes a pixel.</param>
    /// <returns>The ratio in dB, at least 0, or positive infinity when the selected pixels are identical.</returns>
    /// <exception cref="ArgumentException">
    /// The images differ in width, height or layout, the mask does not hold exactly width * height bytes, or
    /// every weight in the mask is 0.
    /// </exception>
    public static double PeakSignalToNoiseRatio(ReadOnlyImageView a, ReadOnlyImageView b, ReadOnlySpan<byte> mask)
    {
        ValidatePair(a, b);
        ValidateMask(a, mask);
        return PeakSignalToNoiseRatio(a, b, mask, masked: true);
    }

    /// <summary>
    /// Returns the mean structural similarity (SSIM) of <paramref name="a"/> and <paramref name="b"/> as defined
    /// by Wang, Bovik, Sheikh and Simoncelli (2004), computed on luma.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each pixel is reduced to its luma <c>Y = 0.299 R + 0.587 G + 0.114 B</c> (ITU-R BT.601, kept as a double,
    /// not rounded). Around every pixel whose 11 x 11 window lies wholly inside the image, the window's means
    /// <c>mx, my</c>, variances <c>vx, vy</c> and covariance <c>cxy</c> are taken with Gaussian weights
    /// (sigma 1.5, normalised to sum 1), and
    /// <c>SSIM = (2 mx my + C1)(2 cxy + C2) / ((mx^2 + my^2 + C1)(vx + vy + C2))</c>
    /// with <c>C1 = (0.01 * 255)^2</c> and <c>C2 = (0.03 * 255)^2</c>. The result is the mean over those
    /// (width - 10) x (height - 10) positions. This matches Wang et al.'s reference code and scikit-image's
    /// <c>structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    /// data_range=255)</c> applied to the luma planes.
    /// </para>
    /// <para>
    /// Identical images give exactly 1; the score falls as structure differs and is negative for anti-correlated
    /// images such as a photo and its inverse. It is symmetric in its arguments.
    /// </para>
    /// <para>
    /// Because it reads luma only, a colour change that keeps luma (for example a lipstick of another hue but the
    /// same brightness) barely moves the score; pair it with
    /// <see cref="PeakSignalToNoiseRatio(ReadOnlyImageView, ReadOnlyImageView)"/>, which reads all three channels.
    /// </para>
    /// </remarks>
    /// <param name="a">The reference image.</param>
    /// <param name="b">The image to score; the same size and layout as <paramref name="a"/>.</param>
    /// <returns>The mean SSIM, in [-1, 1].</returns>
    /// <exception cref="ArgumentException">
    /// The images differ in width, height or layout, or are smaller than 11 x 11 pixels.
    /// </exception>
    public static double StructuralSimilarity(ReadOnlyImageView a, ReadOnlyImageView b)
    {
        ValidatePair(a, b);
        ValidateWindowFits(a);
        return StructuralSimilarity(a, b, ReadOnlySpan<byte>.Empty, masked: false);
    }

    /// <summary>
    /// Returns the structural similarity (SSIM) of <paramref name="a"/> and <paramref name="b"/> over the pixels
    /// that <paramref name="mask"/> selects, computed on luma.
    /// </summary>
    /// <remarks>
    /// <para>
    /// This is <see cref="StructuralSimilarity(ReadOnlyImageView, ReadOnlyImageView)"/> with the mask applied
    /// twice. Inside each window, a pixel's Gaussian weight is multiplied by its mask weight (and the window
    /// renormalised), so pixels under weight 0 never influence the local statistics. The mean over the window
    /// positions is then weighted by the mask weight of each window's centre pixel.
    /// </para>
    /// <para>
    /// So images that differ only outside the mask score exactly 1, and an all-255 mask gives the unmasked score
    /// (up to rounding). As in the unmasked score, only pixels at least 5 pixels from every edge can be window
    /// centres: a region that touches the border is scored on its inner part only.
    /// </para>
    /// </remarks>
    /// <param name="a">The reference image.</param>
    /// <param name="b">The image to score; the same size and layout as <paramref name="a"/>.</param>
    /// <param name="mask">One weight per pixel, width * height bytes, row by row; 0 excludes a pixel.</param>
    /// <returns>The weighted mean SSIM, in [-1, 1].</returns>
    /// <exception cref="ArgumentException">
    /// The images differ in width, height or layout, are smaller than 11 x 11 pixels, the mask does not hold
    /// exactly width * height bytes, or the mask selects no pixel at least 5 pixels from every edge.
    /// </exception>
    public static double StructuralSimilarity(ReadOnlyImageView a, ReadOnlyImageView b, ReadOnlySpan<byte> mask)
    {
        ValidatePair(a, b);
        ValidateWindowFits(a);
        ValidateMask(a, mask);
        return StructuralSimilarity(a, b, mask, masked: true);
    }

    private static double PeakSignalToNoiseRatio(
        ReadOnlyImageView a,
        ReadOnlyImageView b,
        ReadOnlySpan<byte> mask,
        bool masked)
    {
        var bytesPerPixel = a.Layout.BytesPerPixel();
        var width = a.Width;
        long squaredSum = 0;
        long weightSum = 0;

        // Integer sums are exact: a pixel adds at most 3 * 255^2 * 255, so a long holds any image that fits in memory.
        for (var y = 0; y < a.Height; y++)
        {
            var rowA = a.GetRow(y);
            var rowB = b.GetRow(y);
            var maskRow = masked ? mask.Slice(y * width, width) : default;
            for (int x = 0, i = 0; x < width; x++, i += bytesPerPixel)
            {
                var d0 = rowA[i] - rowB[i];
                var d1 = rowA[i + 1] - rowB[i + 1];
                var d2 = rowA[i + 2] - rowB[i + 2];
                var squared = d0 * d0 + d1 * d1 + d2 * d2;
                if (masked)
                {
                    squaredSum += (long)squared * maskRow[x];
                    weightSum += maskRow[x];
                }
                else
                {
                    squaredSum += squared;
                }
            }
        }

        if (!masked)
        {
            weightSum = (long)width * a.Height;
        }

        if (weightSum == 0)
        {
            ThrowHelper.Argument(nameof(mask), "The mask must select at least one pixel, but every weight is 0.");
        }

        if (squaredSum == 0)
        {
            return double.PositiveInfinity;
        }

        var meanSquaredError = squaredSum / (3.0 * weightSum);
        return 10.0 * Math.Log10(PeakSquared / meanSquaredError);
    }

    private static double StructuralSimilarity(
        ReadOnlyImageView a,
        ReadOnlyImageView b,
        ReadOnlySpan<byte> mask,
        bool masked)
    {
        var width = a.Width;
        var height = a.Height;
        var outWidth = width - 2 * Radius;
        var window = StructuralSimilarityWindowSize;
        var gaussian = s_gaussian.AsSpan();

        // Scratch: one input row of each moment, a ring of the last 11 horizontally filtered rows (each slot holds
        // the six moments one after another) and the six vertical sums.
        var ringLength = Moments * window * outWidth;
        var scratch = ArrayPool<double>.Shared.Rent(Moments * width + ringLength + Moments * outWidth);
        try
        {
            var rows = scratch.AsSpan(0, Moments * width);
            var ring = scratch.AsSpan(Moments * width, ringLength);
            var sums = scratch.AsSpan(Moments * width + ringLength, Moments * outWidth);
            var weightedSsim = 0.0;
            var weightTotal = 0.0;

            for (var y = 0; y < height; y++)
            {
                // Per-pixel moments of row y, each weighted by the pixel's mask weight (1 without a mask).
                LumaMoments(a.GetRow(y), b.GetRow(y), a.Layout, masked ? mask.Slice(y * width, width) : default, rows);

                // Horizontal Gaussian pass into the ring slot for row y, one tap at a time across the row.
                var slotRows = ring.Slice(y % window * Moments * outWidth, Moments * outWidth);
                slotRows.Clear();
                for (var m = 0; m < Moments; m++)
                {
                    var source = rows.Slice(m * width, width);
                    var target = slotRows.Slice(m * outWidth, outWidth);
                    for (var t = 0; t < window; t++)
                    {
                        TensorPrimitives.MultiplyAdd(source.Slice(t, outWidth), gaussian[t], target, target);
                    }
                }

                if (y < window - 1)
                {
                    continue;
                }

                // Vertical Gaussian pass over rows y - 10 .. y gives the window sums centred on row y - 5.
                var top = y - (window - 1);
                sums.Clear();
                for (var t = 0; t < window; t++)
                {
                    var source = ring.Slice((top + t) % window * Moments * outWidth, Moments * outWidth);
                    TensorPrimitives.MultiplyAdd(source, gaussian[t], sums, sums);
                }

                var centreRow = top + Radius;
                var centreMask = masked ? mask.Slice(centreRow * width + Radius, outWidth) : default;
                for (var x = 0; x < outWidth; x++)
                {
                    double centreWeight = masked ? centreMask[x] : 1;
                    if (centreWeight == 0)
                    {
                        continue;
                    }

                    weightedSsim += centreWeight * LocalSsim(sums, outWidth, x);
                    weightTotal += centreWeight;
                }
            }

            if (weightTotal == 0)
            {
                ThrowHelper.Argument(
                    nameof(mask),
                    $"The mask must select at least one pixel at least {Radius} pixels from every edge of the "
                    + $"{width}x{height} image (a centre for the {window}x{window} window), but selects none.");
            }

            return weightedSsim / weightTotal;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
    }

    // Known shortcoming: luma, the six moments and the per-window SSIM are scalar code; the two Gaussian passes,
    // the bulk of the arithmetic, are vectorised through TensorPrimitives. Worth revisiting only if SSIM over
    // full-resolution photos becomes part of a training loop.

    /// <summary>Writes the six weighted luma moments of one row, each as a run of width values.</summary>
    private static void LumaMoments(
        ReadOnlySpan<byte> rowA,
        ReadOnlySpan<byte> rowB,
        PixelLayout layout,
        ReadOnlySpan<byte> maskRow,
        Span<double> moments)
    {
        var width = moments.Length / Moments;
        var bytesPerPixel = layout.BytesPerPixel();
        var redOffset = layout.RedOffset();
        var masked = !maskRow.IsEmpty;
        for (int x = 0, i = 0; x < width; x++, i += bytesPerPixel)
        {
            double weight = masked ? maskRow[x] : 1;
            var lumaA = Luma(rowA[i + redOffset], rowA[i + 1], rowA[i + 2 - redOffset]);
            var lumaB = Luma(rowB[i + redOffset], rowB[i + 1], rowB[i + 2 - redOffset]);
            moments[x] = weight;
            moments[width + x] = weight * lumaA;
            moments[2 * width + x] = weight * lumaB;
            moments[3 * width + x] = weight * lumaA * lumaA;
            moments[4 * width + x] = weight * lumaB * lumaB;
            moments[5 * width + x] = weight * lumaA * lumaB;
        }
    }

    /// <summary>Returns the SSIM of the window at output column x from its six weighted sums.</summary>
    private static double LocalSsim(ReadOnlySpan<double> sums, int outWidth, int x)
    {
        var weight = sums[x];
        var meanA = sums[outWidth + x] / weight;
        var meanB = sums[2 * outWidth + x] / weight;
        var varianceA = sums[3 * outWidth + x] / weight - meanA * meanA;
        var varianceB = sums[4 * outWidth + x] / weight - meanB * meanB;
        var covariance = sums[5 * outWidth + x] / weight - meanA * meanB;
        var numerator = (2 * meanA * meanB + C1) * (2 * covariance + C2);
        var denominator = (meanA * meanA + meanB * meanB + C1) * (varianceA + varianceB + C2);
        return numerator / denominator;
    }

    private static double Luma(byte red, byte green, byte blue) => 0.299 * red + 0.587 * green + 0.114 * blue;

    private static void ValidatePair(ReadOnlyImageView a, ReadOnlyImageView b)
    {
        if (a.Width != b.Width || a.Height != b.Height || a.Layout != b.Layout)
        {
            ThrowHelper.Argument(
                nameof(b),
                $"The images must have the same size and layout, but a is {a.Width}x{a.Height} {a.Layout} "
                + $"and b is {b.Width}x{b.Height} {b.Layout}.");
        }
    }

    private static void ValidateWindowFits(ReadOnlyImageView a)
    {
        if (a.Width < StructuralSimilarityWindowSize || a.Height < StructuralSimilarityWindowSize)
        {
            ThrowHelper.Argument(
                nameof(a),
                $"Structural similarity needs images of at least {StructuralSimilarityWindowSize}x"
                + $"{StructuralSimilarityWindowSize} pixels (one Gaussian window), but they are {a.Width}x{a.Height}.");
        }
    }

    private static void ValidateMask(ReadOnlyImageView a, ReadOnlySpan<byte> mask)
    {
        var expected = (long)a.Width * a.Height;
        if (mask.Length != expected)
        {
            ThrowHelper.Argument(
                nameof(mask),
                $"The mask must hold one byte per pixel, width * height = {expected} bytes for the "
                + $"{a.Width}x{a.Height} images, but has {mask.Length}.");
        }
    }

    private static double[] CreateGaussian(int size, double sigma)
    {
        var taps = new double[size];
        var total = 0.0;
        for (var i = 0; i < size; i++)
        {
            var offset = i - size / 2;
            taps[i] = Math.Exp(-offset * offset / (2 * sigma * sigma));
            total += taps[i];
        }

        for (var i = 0; i < size; i++)
        {
            taps[i] /= total;
        }

        return taps;
    }
}
