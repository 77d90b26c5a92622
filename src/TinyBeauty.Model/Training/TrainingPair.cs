namespace TinyBeauty.Model.Training;

/// <summary>
/// One training example: a face before and after makeup, as planar float32 RGB in [-1, 1], plus optional eye and
/// region masks. Convert 8-bit pixels with <c>v / 127.5f - 1f</c>.
/// </summary>
/// <remarks>
/// The arrays are held, not copied; the caller must not change them afterwards. Values are not range-checked
/// (that would cost a pass over every pixel); values outside [-1, 1] train a network on the wrong scale.
/// </remarks>
public sealed class TrainingPair
{
    private readonly float[]? _regionMask;

    /// <summary>Creates a pair, checking the array lengths against the size.</summary>
    /// <param name="before">The image without makeup: 3 x <paramref name="height"/> x <paramref name="width"/>
    /// values, the red plane first, each plane row by row.</param>
    /// <param name="after">The image with makeup, laid out like <paramref name="before"/>.</param>
    /// <param name="height">The height in pixels; at least <see cref="TinyBeautyNetOptions.MinimumSide"/>.</param>
    /// <param name="width">The width in pixels; at least <see cref="TinyBeautyNetOptions.MinimumSide"/>.</param>
    /// <param name="eyeMask">
    /// Optional <paramref name="height"/> x <paramref name="width"/> weights in [0, 1] marking the eye regions for
    /// the eyeliner term; null means no eye region (the eyeliner term is then 0 for this pair).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="before"/> or <paramref name="after"/> is null.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A side is below the minimum.</exception>
    /// <exception cref="ArgumentException">An array's length does not match the size.</exception>
    public TrainingPair(float[] before, float[] after, int height, int width, float[]? eyeMask = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, TinyBeautyNetOptions.MinimumSide);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, TinyBeautyNetOptions.MinimumSide);

        var plane = (long)height * width;
        CheckLength(before, 3 * plane, nameof(before), height, width);
        CheckLength(after, 3 * plane, nameof(after), height, width);
        if (eyeMask is not null)
        {
            CheckLength(eyeMask, plane, nameof(eyeMask), height, width);
        }

        Before = before;
        After = after;
        Height = height;
        Width = width;
        EyeMask = eyeMask;
    }

    /// <summary>Gets the image without makeup: [3, Height, Width] planar RGB in [-1, 1].</summary>
    public float[] Before { get; }

    /// <summary>Gets the image with makeup: [3, Height, Width] planar RGB in [-1, 1].</summary>
    public float[] After { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the eye mask, [Height, Width] in [0, 1], or null when the pair has none.</summary>
    public float[]? EyeMask { get; }

    /// <summary>
    /// Gets the mask of the regions the makeup is meant for, [Height, Width] in [0, 1] (for example the union of the
    /// lips, eye-region and cheek masks), or null when the pair has none. It feeds
    /// <see cref="MakeupLossOptions.RegionEmphasis"/>; a pair without one is weighted as if it were all 0. The array
    /// is held, not copied.
    /// </summary>
    /// <exception cref="ArgumentException">The array does not hold Height x Width values.</exception>
    public float[]? RegionMask
    {
        get => _regionMask;
        init
        {
            if (value is not null)
            {
                CheckLength(value, (long)Height * Width, nameof(RegionMask), Height, Width);
            }

            _regionMask = value;
        }
    }

    private static void CheckLength(float[] values, long expected, string name, int height, int width)
    {
        if (values.Length != expected)
        {
            throw new ArgumentException(
                $"{name} must hold {expected} values for a {width} x {height} image; it holds {values.Length}.",
                name);
        }
    }
}
