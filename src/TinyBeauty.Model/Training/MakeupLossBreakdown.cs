namespace TinyBeauty.Model.Training;

/// <summary>
/// The values of one <see cref="MakeupLoss"/> evaluation, for logging. Each term is unweighted and 0 when its
/// weight is 0 (not computed); <paramref name="Total"/> is the weighted sum that is optimized.
/// </summary>
/// <param name="Reconstruction">The pixel L1 term.</param>
/// <param name="Eyeliner">The masked Sobel edge term.</param>
/// <param name="Perceptual">The VGG-16 feature term.</param>
/// <param name="Adversarial">The generator's least-squares adversarial term.</param>
/// <param name="Total">The weighted sum of the terms.</param>
public sealed record MakeupLossBreakdown(
    float Reconstruction,
    float Eyeliner,
    float Perceptual,
    float Adversarial,
    float Total)
{
    /// <summary>Gets the squared-difference term, unweighted; 0 when its weight is 0.</summary>
    public float Squared { get; init; }
}
