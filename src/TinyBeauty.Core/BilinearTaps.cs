namespace TinyBeauty.Core;

/// <summary>
/// Source taps of OpenCV's <c>INTER_LINEAR</c> resize: half-pixel centres, the coordinate computed in double
/// and rounded to float, then split into an integer tap and a float fraction.
/// </summary>
/// <remarks>
/// OpenCV treats the two axes differently, and so must a bit-exact port. Along x the fraction is forced to 0
/// where the tap falls outside the source (so the edge pixel is used alone). Along y the fraction is kept
/// and only the two row indices are clipped, so at the top and bottom edges the same row is blended with
/// itself using weights that sum to one; in float that can differ from the edge value in the last bit.
/// </remarks>
internal static class BilinearTaps
{
    /// <summary>Returns OpenCV's source step per destination pixel: 1 / (destination / source), in double.</summary>
    public static double Scale(int sourceSize, int destinationSize) => 1.0 / ((double)destinationSize / sourceSize);

    /// <summary>Computes the two columns and the fraction for destination column <paramref name="d"/>.</summary>
    public static void Column(int d, double scale, int sourceSize, out int s0, out int s1, out float fraction)
    {
        var f = (float)((d + 0.5) * scale - 0.5);
        var s = (int)MathF.Floor(f);
        f -= s;
        if (s < 0)
        {
            s = 0;
            f = 0f;
        }

        if (s >= sourceSize - 1)
        {
            s = sourceSize - 1;
            f = 0f;
        }

        s0 = s;
        s1 = Math.Min(s + 1, sourceSize - 1);
        fraction = f;
    }

    /// <summary>Computes the two clipped rows and the unclamped fraction for row <paramref name="d"/>.</summary>
    public static void Row(int d, double scale, int sourceSize, out int s0, out int s1, out float fraction)
    {
        var f = (float)((d + 0.5) * scale - 0.5);
        var s = (int)MathF.Floor(f);
        fraction = f - s;
        s0 = Math.Clamp(s, 0, sourceSize - 1);
        s1 = Math.Clamp(s + 1, 0, sourceSize - 1);
    }

    /// <summary>Converts a float weight to OpenCV's 11-bit fixed point (2048 = 1), rounding half to even.</summary>
    public static int ToFixed(float weight) => (int)MathF.Round(weight * 2048f);
}
