namespace TinyBeauty.Amplify.Diffusion.Conditioning;

/// <summary>Settings of <see cref="CannyEdgeDetector"/>.</summary>
public sealed record CannyOptions
{
    /// <summary>
    /// Gets the low hysteresis threshold on the gradient magnitude: weaker pixels are never edges; default 100, the
    /// value commonly passed to OpenCV's <c>Canny</c> for the SD1.5 canny ControlNet.
    /// </summary>
    public double LowThreshold { get; init; } = 100;

    /// <summary>
    /// Gets the high hysteresis threshold: stronger pixels are always edges, and pixels between the thresholds are
    /// edges only when connected (8-neighbourhood) to a strong one; default 200.
    /// </summary>
    public double HighThreshold { get; init; } = 200;

    /// <summary>
    /// Gets the standard deviation, in pixels, of the Gaussian blur applied before the gradients; default 1. The kernel
    /// spans ceil(3 sigma) pixels on each side. 0 skips the blur, as OpenCV's <c>Canny</c> does.
    /// </summary>
    public double BlurSigma { get; init; } = 1.0;

    /// <summary>
    /// Gets whether the gradient magnitude is sqrt(gx^2 + gy^2) rather than |gx| + |gy|; default false, as in
    /// OpenCV's default. The thresholds apply to whichever magnitude is chosen.
    /// </summary>
    public bool UseL2Magnitude { get; init; }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is negative or not finite, the low threshold exceeds
    /// the high one, or the blur sigma is negative, not finite or above 32.</exception>
    public void Validate()
    {
        if (!(double.IsFinite(LowThreshold) && LowThreshold >= 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(LowThreshold), LowThreshold, "The low threshold must be finite and at least 0.");
        }

        if (!(double.IsFinite(HighThreshold) && HighThreshold >= LowThreshold))
        {
            throw new ArgumentOutOfRangeException(
                nameof(HighThreshold),
                HighThreshold,
                $"The high threshold must be finite and at least the low one ({LowThreshold}).");
        }

        if (!(double.IsFinite(BlurSigma) && BlurSigma >= 0 && BlurSigma <= 32))
        {
            throw new ArgumentOutOfRangeException(nameof(BlurSigma), BlurSigma, "The blur sigma must lie in [0, 32].");
        }
    }
}
