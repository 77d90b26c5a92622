namespace TinyBeauty.Core;

/// <summary>
/// The rectangle of a photo that a residual covers (for example a face crop), with an optional feathered
/// border over which the residual fades in.
/// </summary>
/// <remarks>
/// <para>
/// The rectangle must lie inside the photo: X, Y and Feather at least 0, Width and Height at least 1,
/// X + Width at most the photo width and Y + Height at most the photo height. The residual is stretched over
/// exactly this rectangle; pixels outside it are copied unchanged.
/// </para>
/// <para>
/// Feather ramp: for a pixel at column i (0 to Width - 1) of the rectangle,
/// <c>wx = Feather == 0 ? 1 : min(1, (min(i, Width - 1 - i) + 0.5f) / Feather)</c>, likewise <c>wy</c> for its row,
/// and the residual's weight is the product <c>wy * wx</c>. So the outermost ring of a feathered rectangle gets a
/// weight of 0.5 / Feather per axis, the weight grows linearly inwards and reaches 1 Feather pixels from the edge;
/// corners fade along both axes. A Feather larger than half the rectangle never reaches 1 in the middle.
/// </para>
/// </remarks>
/// <param name="X">The left column of the rectangle in the photo.</param>
/// <param name="Y">The top row of the rectangle in the photo.</param>
/// <param name="Width">The width of the rectangle in pixels.</param>
/// <param name="Height">The height of the rectangle in pixels.</param>
/// <param name="Feather">The width in pixels of the fading border inside the rectangle; 0 for a hard edge.</param>
public readonly record struct ResidualRegion(int X, int Y, int Width, int Height, int Feather = 0)
{
    /// <summary>Returns the feather weight of position <paramref name="index"/> along an axis.</summary>
    internal static float Ramp(int index, int length, int feather)
    {
        if (feather == 0)
        {
            return 1f;
        }

        var distance = Math.Min(index, length - 1 - index);
        return MathF.Min(1f, (distance + 0.5f) / feather);
    }

    /// <summary>Checks that the region lies inside a photo of the given size.</summary>
    internal void Validate(int photoWidth, int photoHeight, string parameterName)
    {
        if (X < 0 || Y < 0 || Width < 1 || Height < 1 || Feather < 0
            || (long)X + Width > photoWidth || (long)Y + Height > photoHeight)
        {
            ThrowHelper.ArgumentOutOfRange(
                parameterName,
                $"The region must lie inside the {photoWidth}x{photoHeight} photo with a size of at least 1x1 and a "
                + $"feather of at least 0, but was X={X}, Y={Y}, Width={Width}, Height={Height}, Feather={Feather}.");
        }
    }
}
