using TinyBeauty.Core;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Conditioning;

/// <summary>
/// Canny edge detection for the canny ControlNet's condition image: grey conversion, Gaussian blur, Sobel gradients,
/// non-maximum suppression and double-threshold hysteresis, on 8-bit images in plain managed code.
/// </summary>
/// <remarks>
/// <para>
/// Steps: (1) colour images become grey with BT.601 weights 0.299 R + 0.587 G + 0.114 B (alpha ignored);
/// (2) a separable Gaussian blur with <see cref="CannyOptions.BlurSigma"/>; (3) 3 x 3 Sobel gradients gx, gy and the
/// magnitude |gx| + |gy| (or the L2 norm); (4) non-maximum suppression: a pixel survives when its magnitude exceeds
/// the neighbour behind it and is at least the neighbour ahead of it along the gradient direction, quantised to
/// 0, 45, 90 or 135 degrees, which leaves edges one pixel thin; (5) hysteresis: surviving pixels above the high
/// threshold are edges, and pixels above the low threshold join them when 8-connected to an edge.
/// </para>
/// <para>
/// Borders: blur and Sobel repeat the edge pixels (OpenCV's replicate border), and the suppression treats
/// magnitudes outside the image as 0. The edge map holds 255 for edges and 0 elsewhere.
/// </para>
/// <para>
/// Differences from OpenCV's <c>cv2.Canny</c>, which produced the ControlNet's training conditions: OpenCV does not
/// blur (set <see cref="CannyOptions.BlurSigma"/> to 0 to match), and on colour images it takes, per pixel, the
/// channel with the largest gradient rather than converting to grey first, so colour edges between colours of equal
/// luma are found by OpenCV and missed here. Its edge maps are therefore close to, not identical with, OpenCV's.
/// </para>
/// </remarks>
public static class CannyEdgeDetector
{
    // tan(22.5 degrees) and tan(67.5 degrees): the boundaries of the four direction sectors.
    private const float TanLow = 0.41421357f;
    private const float TanHigh = 2.4142137f;

    /// <summary>Finds the edges of a colour image.</summary>
    /// <param name="image">An 8-bit RGB, BGR or RGBA image.</param>
    /// <param name="options">Thresholds and blur; null means low 100, high 200, sigma 1.</param>
    /// <returns>The edge map, <see cref="ReadOnlyImageView.Width"/> x <see cref="ReadOnlyImageView.Height"/> bytes,
    /// row by row, 255 on edges and 0 elsewhere.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static byte[] Detect(ReadOnlyImageView image, CannyOptions? options = null)
    {
        var gray = new byte[checked(image.Width * image.Height)];
        var (red, green, blue) = image.Layout == PixelLayout.Bgr24 ? (2, 1, 0) : (0, 1, 2);
        var bytesPerPixel = image.Layout.BytesPerPixel();
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.GetRow(y);
            var grayRow = gray.AsSpan(y * image.Width, image.Width);
            for (var x = 0; x < image.Width; x++)
            {
                var pixel = row.Slice(x * bytesPerPixel, bytesPerPixel);
                var luma = (0.299f * pixel[red]) + (0.587f * pixel[green]) + (0.114f * pixel[blue]);
                grayRow[x] = (byte)MathF.Round(luma);
            }
        }

        return DetectGray(gray, image.Width, image.Height, options);
    }

    /// <summary>Finds the edges of a grey image.</summary>
    /// <param name="gray">Packed 8-bit grey pixels, row by row, at least width * height bytes.</param>
    /// <param name="width">The width, at least 1.</param>
    /// <param name="height">The height, at least 1.</param>
    /// <param name="options">Thresholds and blur; null means low 100, high 200, sigma 1.</param>
    /// <returns>The edge map, width x height bytes, 255 on edges and 0 elsewhere.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size or an option is out of range.</exception>
    /// <exception cref="ArgumentException">The pixel buffer is too short.</exception>
    public static byte[] DetectGray(ReadOnlySpan<byte> gray, int width, int height, CannyOptions? options = null)
    {
        ValidateSize(gray.Length, width, height, nameof(gray));
        options ??= new CannyOptions();
        options.Validate();

        var count = width * height;
        var smooth = new float[count];
        for (var index = 0; index < count; index++)
        {
            smooth[index] = gray[index];
        }

        if (options.BlurSigma > 0)
        {
            GaussianBlur(smooth, width, height, options.BlurSigma);
        }

        var magnitude = new float[count];
        var gradientX = new float[count];
        var gradientY = new float[count];
        Sobel(smooth, width, height, options.UseL2Magnitude, magnitude, gradientX, gradientY);

        var thin = new float[count];
        SuppressNonMaxima(magnitude, gradientX, gradientY, width, height, thin);

        var edges = new byte[count];
        ApplyHysteresis(thin, width, height, (float)options.LowThreshold, (float)options.HighThreshold, edges);
        return edges;
    }

    /// <summary>
    /// Converts an edge map to the canny ControlNet's condition: the map repeated on three channels as float32 in
    /// [0, 1] (255 becomes 1), [1, 3, height, width] on the CPU.
    /// </summary>
    /// <param name="edges">The edge map, width * height bytes, row by row.</param>
    /// <param name="width">The width, at least 1.</param>
    /// <param name="height">The height, at least 1.</param>
    /// <returns>A new tensor, owned by the caller.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="ArgumentException">The edge map is too short.</exception>
    public static Tensor ToConditionTensor(ReadOnlySpan<byte> edges, int width, int height)
    {
        ValidateSize(edges.Length, width, height, nameof(edges));
        var plane = width * height;
        var values = new float[3 * plane];
        for (var index = 0; index < plane; index++)
        {
            values[index] = edges[index] / 255f;
        }

        values.AsSpan(0, plane).CopyTo(values.AsSpan(plane));
        values.AsSpan(0, plane).CopyTo(values.AsSpan(2 * plane));
        return tensor(values, [1, 3, height, width]);
    }

    /// <summary>
    /// Hysteresis on a thinned magnitude map: pixels above <paramref name="high"/> seed edges, which grow through
    /// 8-connected pixels above <paramref name="low"/>.
    /// </summary>
    internal static void ApplyHysteresis(
        ReadOnlySpan<float> magnitude,
        int width,
        int height,
        float low,
        float high,
        Span<byte> edges)
    {
        edges.Clear();
        var pending = new Stack<int>();
        for (var index = 0; index < width * height; index++)
        {
            if (magnitude[index] > high && edges[index] == 0)
            {
                edges[index] = byte.MaxValue;
                pending.Push(index);
            }

            while (pending.Count > 0)
            {
                var current = pending.Pop();
                var (x, y) = (current % width, current / width);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var (nx, ny) = (x + dx, y + dy);
                        if ((uint)nx >= (uint)width || (uint)ny >= (uint)height)
                        {
                            continue;
                        }

                        var neighbour = (ny * width) + nx;
                        if (edges[neighbour] == 0 && magnitude[neighbour] > low)
                        {
                            edges[neighbour] = byte.MaxValue;
                            pending.Push(neighbour);
                        }
                    }
                }
            }
        }
    }

    private static void ValidateSize(int length, int width, int height, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (length < (long)width * height)
        {
            throw new ArgumentException(
                $"Expected at least {(long)width * height} bytes for {width} x {height}, got {length}.",
                parameterName);
        }
    }

    private static void GaussianBlur(float[] values, int width, int height, double sigma)
    {
        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new float[(2 * radius) + 1];
        var sum = 0.0;
        for (var offset = -radius; offset <= radius; offset++)
        {
            var weight = Math.Exp(-(offset * offset) / (2 * sigma * sigma));
            kernel[offset + radius] = (float)weight;
            sum += weight;
        }

        for (var index = 0; index < kernel.Length; index++)
        {
            kernel[index] = (float)(kernel[index] / sum);
        }

        var temporary = new float[values.Length];

        // Rows, then columns; positions outside the image repeat the nearest edge pixel.
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var total = 0f;
                for (var offset = -radius; offset <= radius; offset++)
                {
                    total += kernel[offset + radius] * values[(y * width) + Math.Clamp(x + offset, 0, width - 1)];
                }

                temporary[(y * width) + x] = total;
            }
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var total = 0f;
                for (var offset = -radius; offset <= radius; offset++)
                {
                    total += kernel[offset + radius] * temporary[(Math.Clamp(y + offset, 0, height - 1) * width) + x];
                }

                values[(y * width) + x] = total;
            }
        }
    }

    private static void Sobel(
        float[] values,
        int width,
        int height,
        bool useL2,
        float[] magnitude,
        float[] gradientX,
        float[] gradientY)
    {
        for (var y = 0; y < height; y++)
        {
            var (up, down) = (Math.Max(y - 1, 0) * width, Math.Min(y + 1, height - 1) * width);
            var middle = y * width;
            for (var x = 0; x < width; x++)
            {
                var (left, right) = (Math.Max(x - 1, 0), Math.Min(x + 1, width - 1));
                var gx = (values[up + right] + (2 * values[middle + right]) + values[down + right])
                    - (values[up + left] + (2 * values[middle + left]) + values[down + left]);
                var gy = (values[down + left] + (2 * values[down + x]) + values[down + right])
                    - (values[up + left] + (2 * values[up + x]) + values[up + right]);
                gradientX[middle + x] = gx;
                gradientY[middle + x] = gy;
                magnitude[middle + x] = useL2 ? MathF.Sqrt((gx * gx) + (gy * gy)) : MathF.Abs(gx) + MathF.Abs(gy);
            }
        }
    }

    private static void SuppressNonMaxima(
        float[] magnitude,
        float[] gradientX,
        float[] gradientY,
        int width,
        int height,
        float[] thin)
    {
        float At(int x, int y) =>
            (uint)x < (uint)width && (uint)y < (uint)height ? magnitude[(y * width) + x] : 0f;

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var index = (y * width) + x;
                var value = magnitude[index];
                if (value == 0)
                {
                    continue;
                }

                var (ax, ay) = (MathF.Abs(gradientX[index]), MathF.Abs(gradientY[index]));
                float behind;
                float ahead;
                if (ay <= ax * TanLow)
                {
                    (behind, ahead) = (At(x - 1, y), At(x + 1, y));
                }
                else if (ay > ax * TanHigh)
                {
                    (behind, ahead) = (At(x, y - 1), At(x, y + 1));
                }
                else if ((gradientX[index] > 0) == (gradientY[index] > 0))
                {
                    (behind, ahead) = (At(x - 1, y - 1), At(x + 1, y + 1));
                }
                else
                {
                    (behind, ahead) = (At(x + 1, y - 1), At(x - 1, y + 1));
                }

                if (value > behind && value >= ahead)
                {
                    thin[index] = value;
                }
            }
        }
    }
}
