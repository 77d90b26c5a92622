using System.Numerics;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// A square region of a photo, possibly rotated, that <see cref="FaceMesh"/> samples for the landmark model.
/// Crop coordinates (u, v) run from 0 to 1 across the square: u along its top edge (the face's eye line, from the
/// subject's right eye towards the left one), v down along its side.
/// </summary>
/// <param name="Center">The centre of the square in photo pixels.</param>
/// <param name="Size">The side of the square in photo pixels.</param>
/// <param name="Angle">The rotation of the square's u axis from the photo's x axis, in radians, positive towards
/// the photo's y axis (clockwise on screen).</param>
public readonly record struct FaceCrop(Vector2 Center, float Size, float Angle)
{
    /// <summary>Maps crop coordinates (each in [0, 1] inside the square) to photo pixels.</summary>
    /// <param name="crop">The point in crop coordinates.</param>
    /// <returns>The same point in photo pixels.</returns>
    public Vector2 ToPhoto(Vector2 crop)
    {
        var (sin, cos) = MathF.SinCos(Angle);
        var u = (crop.X - 0.5f) * Size;
        var v = (crop.Y - 0.5f) * Size;
        return new Vector2(Center.X + (u * cos) - (v * sin), Center.Y + (u * sin) + (v * cos));
    }

    /// <summary>Maps photo pixels to crop coordinates; the inverse of <see cref="ToPhoto"/>.</summary>
    /// <param name="photo">The point in photo pixels.</param>
    /// <returns>The point in crop coordinates, in [0, 1] when it lies inside the square.</returns>
    public Vector2 ToCrop(Vector2 photo)
    {
        var (sin, cos) = MathF.SinCos(Angle);
        var d = photo - Center;
        var u = (d.X * cos) + (d.Y * sin);
        var v = (-d.X * sin) + (d.Y * cos);
        return new Vector2((u / Size) + 0.5f, (v / Size) + 0.5f);
    }

    /// <summary>Returns whether a photo point lies inside the square, allowing <paramref name="margin"/>.</summary>
    /// <param name="photo">The point in photo pixels.</param>
    /// <param name="margin">How far outside the square, in photo pixels, still counts as inside.</param>
    /// <returns><see langword="true"/> when the point is inside.</returns>
    public bool Contains(Vector2 photo, float margin = 0f)
    {
        var crop = ToCrop(photo);
        var slack = margin / Size;
        return crop.X >= -slack && crop.X <= 1f + slack && crop.Y >= -slack && crop.Y <= 1f + slack;
    }
}
