using System.Numerics;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>
/// The rectangle of a photo around one face, with the face's feature masks, in which the makeup layers' weight
/// maps (0 to 1, row by row) are built.
/// </summary>
internal sealed class FaceCanvas
{
    private readonly FaceGeometry _geometry;
    private readonly float[] _eyes;
    private readonly float[] _brows;
    private readonly float[] _lips;
    private readonly float[] _face;

    private FaceCanvas(FaceLandmarks face, int left, int top, int width, int height)
    {
        Left = left;
        Top = top;
        Width = width;
        Height = height;

        var offset = new Vector2(left, top);
        _geometry = new FaceGeometry(face, offset);
        var local = face with { Points = face.Points.Select(p => new Vector3(p.X - left, p.Y - top, p.Z)).ToArray() };
        var blur = Math.Max(1, (int)MathF.Round(_geometry.EyeSpan / 60f));
        _eyes = Mask(local, (mask, w, h) => FaceMasks.DrawEyes(local, mask, w, h, blur));
        _brows = Mask(local, (mask, w, h) => FaceMasks.DrawBrows(local, mask, w, h, blur));
        _lips = Mask(local, (mask, w, h) => FaceMasks.DrawLips(local, mask, w, h, blur));
        _face = Mask(local, (mask, w, h) => FaceMasks.DrawFaceOval(local, mask, w, h, 2 * blur));
    }

    private delegate void MaskDrawer(Span<byte> mask, int width, int height);

    public int Left { get; }

    public int Top { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Makes the canvas around a face, or returns null when the face lies outside the photo.</summary>
    public static FaceCanvas? Create(FaceLandmarks face, int photoWidth, int photoHeight)
    {
        if (face.Points.Count < FaceLandmarks.PointCount)
        {
            throw new ArgumentException(
                $"The mesh must have {FaceLandmarks.PointCount} points, but has {face.Points.Count}.", nameof(face));
        }

        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var point in face.Points)
        {
            var xy = new Vector2(point.X, point.Y);
            min = Vector2.Min(min, xy);
            max = Vector2.Max(max, xy);
        }

        var margin = 0.15f * Math.Max(max.X - min.X, max.Y - min.Y);
        var left = Math.Max(0, (int)MathF.Floor(min.X - margin));
        var top = Math.Max(0, (int)MathF.Floor(min.Y - margin));
        var right = Math.Min(photoWidth, (int)MathF.Ceiling(max.X + margin));
        var bottom = Math.Min(photoHeight, (int)MathF.Ceiling(max.Y + margin));
        return right <= left || bottom <= top ? null : new FaceCanvas(face, left, top, right - left, bottom - top);
    }

    public float[] Lips() => (float[])_lips.Clone();

    public float[] Brows() => (float[])_brows.Clone();

    /// <summary>Shadow on each lid, fading with the distance above the lash line over a share of the way to the
    /// brow, kept off the eye and the brow.</summary>
    public float[] Eyeshadow(float spread)
    {
        var weights = new float[Width * Height];
        foreach (var eye in _geometry.Eyes)
        {
            var reach = spread * eye.LidToBrow;
            var flick = eye.OuterCorner + (eye.Width * 0.12f * (eye.Outward + eye.Up));
            var line = eye.UpperLid.Prepend(flick).ToArray();
            ForEachNear(line, reach + 2f, (index, point) =>
            {
                var (distance, nearest) = DistanceToPolyline(point, line);
                var above = Vector2.Dot(point - nearest, eye.Up);
                var weight = (1f - SmoothStep(0f, reach, distance)) * SmoothStep(-1f, 1f, above);
                weights[index] = MathF.Max(weights[index], weight);
            });
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] *= (1f - _eyes[i]) * (1f - _brows[i]);
        }

        return weights;
    }

    /// <summary>A line along each upper lash line, thickest at the outer corner, with a tapering wing.</summary>
    public float[] Eyeliner(float thickness, float wing)
    {
        var weights = new float[Width * Height];
        foreach (var eye in _geometry.Eyes)
        {
            var full = thickness * eye.Width;
            var (sin, cos) = MathF.SinCos(20f * MathF.PI / 180f);
            var tip = eye.OuterCorner + (wing * eye.Width * ((cos * eye.Outward) + (sin * eye.Up)));

            // Centre line: the wing tip, then the lash line raised by part of the half thickness; the half
            // thickness grows from 0 at the tip to its full value at the corner, then narrows towards the nose.
            var count = eye.UpperLid.Length;
            var centres = new Vector2[count + 1];
            var halfWidths = new float[count + 1];
            centres[0] = tip;
            halfWidths[0] = wing > 0f ? 0.15f * full : 0.5f * full;
            for (var i = 0; i < count; i++)
            {
                var along = i / (float)(count - 1);
                halfWidths[i + 1] = 0.5f * full * (1f - (0.6f * along));
                centres[i + 1] = eye.UpperLid[i] + (eye.Up * (0.6f * halfWidths[i + 1]));
            }

            ForEachNear(centres, full + 2f, (index, point) =>
            {
                var coverage = 0f;
                for (var s = 0; s < centres.Length - 1; s++)
                {
                    var (distance, t) = DistanceToSegment(point, centres[s], centres[s + 1]);
                    var halfWidth = halfWidths[s] + (t * (halfWidths[s + 1] - halfWidths[s]));
                    coverage = MathF.Max(coverage, Math.Clamp(halfWidth + 0.5f - distance, 0f, 1f));
                }

                weights[index] = MathF.Max(weights[index], coverage);
            });
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] *= 1f - _eyes[i];
        }

        return weights;
    }

    /// <summary>A soft elliptical patch on each cheek, aligned with the eye line, kept on the face and off the
    /// eyes and lips.</summary>
    public float[] Cheeks(float size)
    {
        var weights = new float[Width * Height];
        var radiusAcross = 0.2f * _geometry.EyeSpan * size;
        var radiusDown = 0.13f * _geometry.EyeSpan * size;
        var (sin, cos) = MathF.SinCos(_geometry.Angle);
        foreach (var cheek in _geometry.Cheeks)
        {
            ForEachNear([cheek], 2f * radiusAcross, (index, point) =>
            {
                var offset = point - cheek;
                var across = ((offset.X * cos) + (offset.Y * sin)) / radiusAcross;
                var down = ((-offset.X * sin) + (offset.Y * cos)) / radiusDown;
                var weight = MathF.Exp(-2f * ((across * across) + (down * down)));
                weights[index] = MathF.Max(weights[index], weight < 0.01f ? 0f : weight);
            });
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] *= _face[i] * (1f - _lips[i]) * (1f - _eyes[i]);
        }

        return weights;
    }

    /// <summary>Calls the action for every canvas pixel within a distance of the points' bounding box.</summary>
    private void ForEachNear(Vector2[] points, float distance, Action<int, Vector2> action)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var point in points)
        {
            min = Vector2.Min(min, point);
            max = Vector2.Max(max, point);
        }

        var left = Math.Max(0, (int)MathF.Floor(min.X - distance));
        var top = Math.Max(0, (int)MathF.Floor(min.Y - distance));
        var right = Math.Min(Width, (int)MathF.Ceiling(max.X + distance));
        var bottom = Math.Min(Height, (int)MathF.Ceiling(max.Y + distance));
        for (var y = top; y < bottom; y++)
        {
            for (var x = left; x < right; x++)
            {
                action((y * Width) + x, new Vector2(x + 0.5f, y + 0.5f));
            }
        }
    }

    private float[] Mask(FaceLandmarks local, MaskDrawer draw)
    {
        var bytes = new byte[Width * Height];
        draw(bytes, Width, Height);
        var weights = new float[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            weights[i] = bytes[i] / 255f;
        }

        return weights;
    }

    private static (float Distance, Vector2 Nearest) DistanceToPolyline(Vector2 point, Vector2[] line)
    {
        var best = float.MaxValue;
        var nearest = line[0];
        for (var i = 0; i < line.Length - 1; i++)
        {
            var (distance, t) = DistanceToSegment(point, line[i], line[i + 1]);
            if (distance < best)
            {
                best = distance;
                nearest = Vector2.Lerp(line[i], line[i + 1], t);
            }
        }

        return (best, nearest);
    }

    private static (float Distance, float T) DistanceToSegment(Vector2 point, Vector2 start, Vector2 end)
    {
        var segment = end - start;
        var lengthSquared = segment.LengthSquared();
        var t = lengthSquared < 1e-12f ? 0f : Math.Clamp(Vector2.Dot(point - start, segment) / lengthSquared, 0f, 1f);
        return (Vector2.Distance(point, start + (t * segment)), t);
    }

    private static float SmoothStep(float edge0, float edge1, float value)
    {
        if (edge1 <= edge0)
        {
            return value < edge0 ? 0f : 1f;
        }

        var t = Math.Clamp((value - edge0) / (edge1 - edge0), 0f, 1f);
        return t * t * (3f - (2f * t));
    }
}
