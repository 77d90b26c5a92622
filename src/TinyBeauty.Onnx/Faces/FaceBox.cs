using System.Numerics;
using TinyBeauty.Core;

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

    /// <summary>
    /// The side of the square makeup region, in units of the larger side of the face box. BlazeFace's box covers
    /// brows to chin; twice its size takes in the forehead, hair line and jaw, like the face crops the models
    /// are trained on.
    /// </summary>
    public const float DefaultMakeupScale = 2f;

    /// <summary>
    /// Returns the square region of the photo to make up for this face: centred on the box, <paramref name="scale"/>
    /// times the box's larger side, moved (and if need be shrunk) to lie inside the photo, with a feathered edge of
    /// an eighth of its side so that the made-up crop blends into the photo.
    /// </summary>
    /// <param name="photoWidth">The photo's width in pixels.</param>
    /// <param name="photoHeight">The photo's height in pixels.</param>
    /// <param name="scale">The region's side over the box's larger side (default <see cref="DefaultMakeupScale"/>).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A photo side is below 1, or the scale is not positive.</exception>
    public ResidualRegion ToMakeupRegion(int photoWidth, int photoHeight, float scale = DefaultMakeupScale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(photoWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(photoHeight, 1);
        if (!(scale > 0f) || !float.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a positive number.");
        }

        var side = (int)MathF.Round(MathF.Max(Width, Height) * scale);
        side = Math.Clamp(side, 1, Math.Min(photoWidth, photoHeight));
        var centre = Center;
        var left = Math.Clamp((int)MathF.Round(centre.X - side / 2f), 0, photoWidth - side);
        var top = Math.Clamp((int)MathF.Round(centre.Y - side / 2f), 0, photoHeight - side);
        return new ResidualRegion(left, top, side, side, Feather: side / 8);
    }
}
