namespace TinyBeauty.Amplify.Diffusion.Guidance;

/// <summary>How one sampling branch of the residual diffusion synthesis runs the UNet.</summary>
/// <param name="GuidanceScale">
/// The classifier-free guidance scale, or null for no guidance (only the predictor with the condition runs).
/// </param>
/// <param name="LoraScale">The LoRA scale set on the UNet's adapters for this branch.</param>
public sealed record BranchSettings(double? GuidanceScale, double LoraScale)
{
    /// <summary>Checks both values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The guidance scale is negative or not finite, or the LoRA scale is
    /// not finite.</exception>
    public void Validate()
    {
        if (GuidanceScale is { } scale && !(double.IsFinite(scale) && scale >= 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(GuidanceScale), scale, "The guidance scale must be finite and at least 0.");
        }

        if (!double.IsFinite(LoraScale))
        {
            throw new ArgumentOutOfRangeException(nameof(LoraScale), LoraScale, "The LoRA scale must be finite.");
        }
    }
}
