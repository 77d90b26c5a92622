using System.Numerics;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// An axis-aligned rectangle in photo pixels: <see cref="X"/>, <see cref="Y"/> is the top-left corner, with x to
/// the right and y down, and pixel (i, j) covering [i, i + 1) x [j, j + 1) (so the centre of the top-left pixel is
/// 0.5, 0.5). The rectangle may reach outside the photo when a face is cut off by its edge.
/// </summary>
/// <param name="X">The left edge in pixels.</param>
/// <param name="Y">The top edge in pixels.</param>
/// <param name="Width">The width in pixels, never negative.</param>
/// <param name="Height">The height in pixels, never negative.</param>
public readonly record struct FaceBox(float X, float Y, float Width, float Height)
{
    /// <summary>Gets the right edge, <see cref="X"/> + <see cref="Width"/>.</summary>
    public float Right => X + Width;

    /// <summary>Gets the bottom edge, <see cref="Y"/> + <see cref="Height"/>.</summary>
    public float Bottom => Y + Height;

    /// <summary>Gets the centre of the rectangle.</summary>
    public Vector2 Center => new(X + (Width / 2f), Y + (Height / 2f));

    /// <summary>Gets the area in square pixels.</summary>
    public float Area => Width * Height;

    /// <summary>Returns the intersection over union of two rectangles: 0 when disjoint, 1 when equal.</summary>
    /// <param name="other">The other rectangle.</param>
    /// <returns>A value in [0, 1]; 0 when both rectangles are empty.</returns>
    public float IntersectionOverUnion(FaceBox other)
    {
        var width = MathF.Min(Right, other.Right) - MathF.Max(X, other.X);
        var height = MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y);
        if (width <= 0f || height <= 0f)
        {
            return 0f;
        }

        var intersection = width * height;
        var union = Area + other.Area - intersection;
        return union > 0f ? intersection / union : 0f;
    }
}
