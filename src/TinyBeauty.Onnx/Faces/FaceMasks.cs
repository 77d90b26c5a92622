using System.Numerics;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// Draws soft 8-bit masks of face regions from a <see cref="FaceLandmarks"/> mesh: the region's polygon (from
/// MediaPipe's published landmark loops) is filled with anti-aliased edges (4 sub-rows per pixel, exact horizontal
/// coverage) and softened by two box blurs.
/// </summary>
/// <remarks>
/// A mask is <c>width * height</c> bytes, row by row with no padding, in the pixel grid of the photo the mesh came
/// from: 0 outside the region, 255 well inside it. Drawing keeps the larger of the old and new value of each
/// byte, so several faces can be drawn into one mask. The methods are thread-safe and allocate a float buffer the
/// size of the region's bounding box.
/// </remarks>
public static class FaceMasks
{
    private const int SubRows = 4;

    private static readonly int[] s_faceOval =
    [
        10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
        152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
    ];

    private static readonly int[] s_outerLips =
    [
        61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185,
    ];

    private static readonly int[] s_innerLips =
    [
        78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191,
    ];

    private static readonly int[] s_leftEye =
    [
        263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
    ];

    private static readonly int[] s_rightEye =
    [
        33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
    ];

    // Each brow is the upper edge from the temple inwards, then the lower edge back out to the temple.
    private static readonly int[] s_leftBrow = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276];

    private static readonly int[] s_rightBrow = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];

    /// <summary>Gets the landmark loop around the face, forehead to chin (MediaPipe's FACEMESH_FACE_OVAL).
    /// </summary>
    public static IReadOnlyList<int> FaceOvalIndices => s_faceOval;

    /// <summary>Gets the landmark loop around the outside of the lips (outer ring of FACEMESH_LIPS).</summary>
    public static IReadOnlyList<int> OuterLipIndices => s_outerLips;

    /// <summary>Gets the landmark loop along the inner edge of the lips, around the mouth opening (inner ring of
    /// FACEMESH_LIPS).</summary>
    public static IReadOnlyList<int> InnerLipIndices => s_innerLips;

    /// <summary>Gets the landmark loop around the subject's left eye (MediaPipe's FACEMESH_LEFT_EYE; the eye on the
    /// right of an unmirrored photo).</summary>
    public static IReadOnlyList<int> LeftEyeIndices => s_leftEye;

    /// <summary>Gets the landmark loop around the subject's right eye (MediaPipe's FACEMESH_RIGHT_EYE).</summary>
    public static IReadOnlyList<int> RightEyeIndices => s_rightEye;

    /// <summary>Gets the landmark loop around the subject's left eyebrow: the upper edge of MediaPipe's
    /// FACEMESH_LEFT_EYEBROW from the temple inwards, then its lower edge back out.</summary>
    public static IReadOnlyList<int> LeftBrowIndices => s_leftBrow;

    /// <summary>Gets the landmark loop around the subject's right eyebrow: the upper edge of MediaPipe's
    /// FACEMESH_RIGHT_EYEBROW from the temple inwards, then its lower edge back out.</summary>
    public static IReadOnlyList<int> RightBrowIndices => s_rightBrow;

    /// <summary>Draws one region with its default blur radius into a mask.</summary>
    /// <param name="region">The region to draw.</param>
    /// <param name="face">The mesh, in pixels of the photo the mask covers.</param>
    /// <param name="mask">The mask, <paramref name="width"/> * <paramref name="height"/> bytes.</param>
    /// <param name="width">The mask's width in pixels, at least 1.</param>
    /// <param name="height">The mask's height in pixels, at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="face"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or
    /// <paramref name="region"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException">The mask is not width * height bytes, or the mesh has fewer than 468
    /// points.</exception>
    public static void Draw(FaceRegion region, FaceLandmarks face, Span<byte> mask, int width, int height)
    {
        switch (region)
        {
            case FaceRegion.Face:
                DrawFaceOval(face, mask, width, height);
                break;
            case FaceRegion.Lips:
                DrawLips(face, mask, width, height);
                break;
            case FaceRegion.Eyes:
                DrawEyes(face, mask, width, height);
                break;
            case FaceRegion.EyeRegion:
                DrawEyeRegion(face, mask, width, height);
                break;
            case FaceRegion.Brows:
                DrawBrows(face, mask, width, height);
                break;
            case FaceRegion.Skin:
                DrawSkin(face, mask, width, height);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(region), region, "Unknown face region.");
        }
    }

    /// <summary>Draws both eyes (the visible eyeball inside the lids) into a mask.</summary>
    /// <inheritdoc cref="DrawFaceOval"/>
    public static void DrawEyes(FaceLandmarks face, Span<byte> mask, int width, int height, int blurRadius = 1)
    {
        Validate(face, mask.Length, width, height, blurRadius);
        Draw([Loop(face, s_leftEye)], mask, width, height, blurRadius);
        Draw([Loop(face, s_rightEye)], mask, width, height, blurRadius);
    }

    /// <summary>Draws both eyebrows into a mask.</summary>
    /// <inheritdoc cref="DrawFaceOval"/>
    public static void DrawBrows(FaceLandmarks face, Span<byte> mask, int width, int height, int blurRadius = 1)
    {
        Validate(face, mask.Length, width, height, blurRadius);
        Draw([Loop(face, s_leftBrow)], mask, width, height, blurRadius);
        Draw([Loop(face, s_rightBrow)], mask, width, height, blurRadius);
    }

    /// <summary>Draws, on each side, the convex hull of the eye and its eyebrow (eye, brow and the lid and skin
    /// between them, where eye shadow goes) into a mask.</summary>
    /// <inheritdoc cref="DrawFaceOval"/>
    public static void DrawEyeRegion(FaceLandmarks face, Span<byte> mask, int width, int height, int blurRadius = 2)
    {
        Validate(face, mask.Length, width, height, blurRadius);
        Draw([ConvexHull([.. Loop(face, s_leftEye), .. Loop(face, s_leftBrow)])], mask, width, height, blurRadius);
        Draw([ConvexHull([.. Loop(face, s_rightEye), .. Loop(face, s_rightBrow)])], mask, width, height,
            blurRadius);
    }

    /// <summary>Draws the skin of the face into a mask: the face oval (blurred by
    /// <paramref name="blurRadius"/>) times one minus the strongest of the eyes, eyebrows and lips masks (drawn
    /// with their default blurs).</summary>
    /// <remarks>Allocates two byte buffers the size of the mask.</remarks>
    /// <inheritdoc cref="DrawFaceOval"/>
    public static void DrawSkin(FaceLandmarks face, Span<byte> mask, int width, int height, int blurRadius = 2)
    {
        Validate(face, mask.Length, width, height, blurRadius);
        var oval = new byte[mask.Length];
        var features = new byte[mask.Length];
        DrawFaceOval(face, oval, width, height, blurRadius);
        DrawEyes(face, features, width, height);
        DrawBrows(face, features, width, height);
        DrawLips(face, features, width, height);

        for (var i = 0; i < mask.Length; i++)
        {
            var value = (byte)(((oval[i] * (255 - features[i])) + 127) / 255);
            mask[i] = Math.Max(mask[i], value);
        }
    }

    /// <summary>Draws the face oval (forehead, cheeks, chin; eyes and mouth included) into a mask.</summary>
    /// <param name="face">The mesh, in pixels of the photo the mask covers.</param>
    /// <param name="mask">The mask, <paramref name="width"/> * <paramref name="height"/> bytes.</param>
    /// <param name="width">The mask's width in pixels, at least 1.</param>
    /// <param name="height">The mask's height in pixels, at least 1.</param>
    /// <param name="blurRadius">The radius in pixels of each of the two box blurs, 0 to 64; default 2.</param>
    /// <exception cref="ArgumentNullException"><paramref name="face"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or the radius is out of range.</exception>
    /// <exception cref="ArgumentException">The mask is not width * height bytes, or the mesh has fewer than 468
    /// points.</exception>
    public static void DrawFaceOval(FaceLandmarks face, Span<byte> mask, int width, int height, int blurRadius = 2)
    {
        Validate(face, mask.Length, width, height, blurRadius);
        Draw([Loop(face, s_faceOval)], mask, width, height, blurRadius);
    }

    /// <summary>Draws the lips, without the mouth opening between them, into a mask.</summary>
    /// <inheritdoc cref="DrawFaceOval"/>
    public static void DrawLips(FaceLandmarks face, Span<byte> mask, int width, int height, int blurRadius = 1)
    {
        Validate(face, mask.Length, width, height, blurRadius);
        Draw([Loop(face, s_outerLips), Loop(face, s_innerLips)], mask, width, height, blurRadius);
    }

    /// <summary>
    /// Fills the even-odd interior of the loops (the second loop cuts a hole in the first), blurs it and merges it
    /// into the mask by maximum.
    /// </summary>
    private static void Draw(Vector2[][] loops, Span<byte> mask, int width, int height, int blurRadius)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var point in loops[0])
        {
            min = Vector2.Min(min, point);
            max = Vector2.Max(max, point);
        }

        // Two blurs of radius r spread the edge by up to 2r pixels.
        var margin = (2 * blurRadius) + 1;
        var left = Math.Max(0, (int)MathF.Floor(min.X) - margin);
        var top = Math.Max(0, (int)MathF.Floor(min.Y) - margin);
        var right = Math.Min(width, (int)MathF.Ceiling(max.X) + margin);
        var bottom = Math.Min(height, (int)MathF.Ceiling(max.Y) + margin);
        if (right <= left || bottom <= top)
        {
            return;
        }

        var regionWidth = right - left;
        var regionHeight = bottom - top;
        var coverage = new float[regionWidth * regionHeight];
        Fill(loops, coverage, left, top, regionWidth, regionHeight);

        if (blurRadius > 0)
        {
            var scratch = new float[Math.Max(regionWidth, regionHeight)];
            for (var pass = 0; pass < 2; pass++)
            {
                BoxBlur(coverage, regionWidth, regionHeight, blurRadius, scratch);
            }
        }

        for (var y = 0; y < regionHeight; y++)
        {
            var row = mask.Slice(((top + y) * width) + left, regionWidth);
            var source = coverage.AsSpan(y * regionWidth, regionWidth);
            for (var x = 0; x < regionWidth; x++)
            {
                var value = (byte)MathF.Round(Math.Clamp(source[x], 0f, 1f) * 255f);
                row[x] = Math.Max(row[x], value);
            }
        }
    }

    /// <summary>Accumulates the area of each pixel covered by the even-odd interior of the loops.</summary>
    private static void Fill(Vector2[][] loops, float[] coverage, int left, int top, int width, int height)
    {
        var crossings = new List<float>();
        const float weight = 1f / SubRows;
        for (var y = 0; y < height; y++)
        {
            var row = coverage.AsSpan(y * width, width);
            for (var s = 0; s < SubRows; s++)
            {
                var sampleY = top + y + ((s + 0.5f) / SubRows);
                crossings.Clear();
                foreach (var loop in loops)
                {
                    for (var i = 0; i < loop.Length; i++)
                    {
                        var a = loop[i];
                        var b = loop[(i + 1) % loop.Length];
                        if ((a.Y <= sampleY) != (b.Y <= sampleY))
                        {
                            crossings.Add(a.X + ((sampleY - a.Y) / (b.Y - a.Y) * (b.X - a.X)) - left);
                        }
                    }
                }

                crossings.Sort();
                for (var k = 0; k + 1 < crossings.Count; k += 2)
                {
                    AddSpan(row, crossings[k], crossings[k + 1], weight);
                }
            }
        }
    }

    /// <summary>Adds <paramref name="weight"/> times the covered fraction of [x0, x1) to each pixel of a row.
    /// </summary>
    private static void AddSpan(Span<float> row, float x0, float x1, float weight)
    {
        x0 = Math.Clamp(x0, 0f, row.Length);
        x1 = Math.Clamp(x1, 0f, row.Length);
        if (x1 <= x0)
        {
            return;
        }

        var first = (int)x0;
        var last = (int)x1;
        if (first == last)
        {
            row[first] += (x1 - x0) * weight;
            return;
        }

        row[first] += (first + 1 - x0) * weight;
        for (var x = first + 1; x < last; x++)
        {
            row[x] += weight;
        }

        if (last < row.Length)
        {
            row[last] += (x1 - last) * weight;
        }
    }

    /// <summary>A separable box blur of radius r (window 2r + 1); values outside the region count as 0.</summary>
    private static void BoxBlur(float[] data, int width, int height, int radius, float[] scratch)
    {
        var norm = 1f / ((2 * radius) + 1);
        for (var y = 0; y < height; y++)
        {
            BlurLine(data.AsSpan(y * width, width), width, 1, radius, norm, scratch);
        }

        for (var x = 0; x < width; x++)
        {
            BlurLine(data.AsSpan(x), height, width, radius, norm, scratch);
        }
    }

    /// <summary>Blurs <paramref name="length"/> values lying <paramref name="step"/> apart in place.</summary>
    private static void BlurLine(Span<float> data, int length, int step, int radius, float norm, float[] scratch)
    {
        for (var i = 0; i < length; i++)
        {
            scratch[i] = data[i * step];
        }

        var sum = 0f;
        for (var i = 0; i < Math.Min(radius, length); i++)
        {
            sum += scratch[i];
        }

        for (var i = 0; i < length; i++)
        {
            var enter = i + radius;
            if (enter < length)
            {
                sum += scratch[enter];
            }

            var leave = i - radius - 1;
            if (leave >= 0)
            {
                sum -= scratch[leave];
            }

            data[i * step] = sum * norm;
        }
    }

    /// <summary>The convex hull of the points, counter-clockwise in y-up terms (Andrew's monotone chain).
    /// </summary>
    private static Vector2[] ConvexHull(Vector2[] points)
    {
        var sorted = points.OrderBy(p => p.X).ThenBy(p => p.Y).ToArray();
        if (sorted.Length < 3)
        {
            return sorted;
        }

        var hull = new Vector2[2 * sorted.Length];
        var count = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            while (count >= 2 && Cross(hull[count - 2], hull[count - 1], sorted[i]) <= 0)
            {
                count--;
            }

            hull[count++] = sorted[i];
        }

        var lowerCount = count + 1;
        for (var i = sorted.Length - 2; i >= 0; i--)
        {
            while (count >= lowerCount && Cross(hull[count - 2], hull[count - 1], sorted[i]) <= 0)
            {
                count--;
            }

            hull[count++] = sorted[i];
        }

        return hull[..(count - 1)];
    }

    private static float Cross(Vector2 o, Vector2 a, Vector2 b) =>
        ((a.X - o.X) * (b.Y - o.Y)) - ((a.Y - o.Y) * (b.X - o.X));

    private static Vector2[] Loop(FaceLandmarks face, int[] indices)
    {
        var loop = new Vector2[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            var point = face.Points[indices[i]];
            loop[i] = new Vector2(point.X, point.Y);
        }

        return loop;
    }

    private static void Validate(FaceLandmarks face, int maskLength, int width, int height, int blurRadius)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(blurRadius);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blurRadius, 64);
        if ((long)width * height != maskLength)
        {
            throw new ArgumentException(
                $"The mask must hold width * height = {(long)width * height} bytes, but holds {maskLength}.", "mask");
        }

        if (face.Points.Count < FaceLandmarks.PointCount)
        {
            throw new ArgumentException(
                $"The mesh must have {FaceLandmarks.PointCount} points, but has {face.Points.Count}.", nameof(face));
        }
    }
}

/// <summary>A region of the face that <see cref="FaceMasks"/> can draw.</summary>
public enum FaceRegion
{
    /// <summary>The face oval, forehead to chin, features included.</summary>
    Face,

    /// <summary>The lips, without the mouth opening.</summary>
    Lips,

    /// <summary>Both eyes, inside the lids.</summary>
    Eyes,

    /// <summary>Each eye with its eyebrow and the lid between them.</summary>
    EyeRegion,

    /// <summary>Both eyebrows.</summary>
    Brows,

    /// <summary>The face oval without the eyes, eyebrows and lips.</summary>
    Skin,
}
