namespace TinyBeauty.Model.Training;

/// <summary>
/// The weights of the terms that <see cref="MakeupLoss"/> adds up. A term whose weight is 0 is not computed.
/// </summary>
public sealed record MakeupLossOptions
{
    /// <summary>Gets the weight of <see cref="ReconstructionLoss"/> (pixel L1). Default 1.</summary>
    public double ReconstructionWeight { get; init; } = 1.0;

    /// <summary>
    /// Gets how much more the reconstruction term counts where the makeup changes the photo: a pixel's L1 weight is
    /// <c>1 + ChangeEmphasis * c</c>, with <c>c = min(1, 8 * mean over channels of |after - before|)</c> (a
    /// change of about 1/8 of the value range or more counts fully). Default 0: plain L1, as in the paper.
    /// </summary>
    /// <remarks>
    /// Makeup usually covers a few percent of a face crop, so with plain L1 the untouched pixels dominate the early
    /// gradient and a small network takes many steps to start drawing colour. An emphasis of 10 to 20 makes short
    /// training runs (a few hundred steps) learn the made-up regions; it needs the before image in
    /// <see cref="MakeupLoss.Compute"/>.
    /// </remarks>
    public double ChangeEmphasis { get; init; }

    /// <summary>
    /// Gets how much more the reconstruction terms count inside the made-up regions: a pixel's weight gains
    /// <c>RegionEmphasis * r</c>, with <c>r</c> in [0, 1] the pair's region mask
    /// (<see cref="TrainingPair.RegionMask"/>, for example the union of the lips, eye-region and cheek masks).
    /// Default 0 (off).
    /// </summary>
    /// <remarks>
    /// <see cref="ChangeEmphasis"/> weighs a pixel by how much the makeup changes it, so a faint blush counts little
    /// and a pixel the makeup leaves alone counts as little next to red lips as anywhere else. The region weight is
    /// the same for every pixel of a region, changed or not: faint layers count as much as strong ones, and colour
    /// spilled around a feature costs as much as colour missing on it, which is how a region's PSNR scores it. A
    /// positive value needs the region mask in <see cref="MakeupLoss.Compute"/>; pairs without one get no emphasis.
    /// </remarks>
    public double RegionEmphasis { get; init; }

    /// <summary>
    /// Gets the weight of the squared-difference term (<c>ReconstructionLoss.ComputeSquared</c>), weighted per pixel
    /// like the L1 term when <see cref="ChangeEmphasis"/> or <see cref="RegionEmphasis"/> is positive. Default 0
    /// (off). Squared differences of images in [-1, 1] are small (an error of 0.1 counts 0.01), so useful weights are
    /// about 5 to 20; it teaches faint or uncertain makeup that L1 alone leaves out (see <see cref="ReconstructionLoss"/>).
    /// </summary>
    public double SquaredWeight { get; init; }

    /// <summary>
    /// Gets the weight of <see cref="EyelinerLoss"/>. Default 0.5; when positive, every call needs an eye mask.
    /// </summary>
    public double EyelinerWeight { get; init; } = 0.5;

    /// <summary>
    /// Gets the weight of <see cref="PerceptualLoss"/>. Default 0 (off); a positive weight needs VGG-16 weights,
    /// from <see cref="PerceptualWeightsPath"/> or a module passed to <see cref="MakeupLoss"/>.
    /// </summary>
    public double PerceptualWeight { get; init; }

    /// <summary>
    /// Gets the path of a torchvision VGG-16 checkpoint for the perceptual term, read by
    /// <see cref="PerceptualLoss.Load"/>. Default null.
    /// </summary>
    public string? PerceptualWeightsPath { get; init; }

    /// <summary>
    /// Gets the weight of the generator's least-squares adversarial term
    /// (<see cref="AdversarialLoss.GeneratorLoss"/>). Default 0 (off); a positive weight needs a
    /// <see cref="PatchDiscriminator"/> passed to <see cref="MakeupLoss"/>; <see cref="Trainer"/> creates and trains
    /// one itself.
    /// </summary>
    public double AdversarialWeight { get; init; }

    /// <summary>Throws unless every weight is finite and non-negative and at least one is positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative, infinite or NaN, or all are 0.</exception>
    public void Validate()
    {
        Check(ReconstructionWeight, nameof(ReconstructionWeight));
        Check(EyelinerWeight, nameof(EyelinerWeight));
        Check(PerceptualWeight, nameof(PerceptualWeight));
        Check(AdversarialWeight, nameof(AdversarialWeight));
        Check(ChangeEmphasis, nameof(ChangeEmphasis));
        Check(RegionEmphasis, nameof(RegionEmphasis));
        Check(SquaredWeight, nameof(SquaredWeight));
        if (ReconstructionWeight + SquaredWeight + EyelinerWeight + PerceptualWeight + AdversarialWeight == 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(ReconstructionWeight), "At least one loss weight must be positive; all are 0.");
        }
    }

    private static void Check(double weight, string name)
    {
        if (!double.IsFinite(weight) || weight < 0)
        {
            throw new ArgumentOutOfRangeException(
                name, weight, $"{name} must be finite and non-negative; it is {weight}.");
        }
    }
}
