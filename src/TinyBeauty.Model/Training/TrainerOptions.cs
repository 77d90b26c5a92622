namespace TinyBeauty.Model.Training;

/// <summary>
/// The settings of a <see cref="Trainer"/> run. Defaults suit the official 24-channel network on a few hundred
/// 256 x 256 pairs; call <see cref="Validate"/> to check a combination early.
/// </summary>
/// <remarks>
/// <para>
/// Optimizer: Adam with betas (0.5, 0.999) by default, the setting of the GAN-style makeup-transfer work that
/// TinyBeauty follows (BeautyGAN, BeautyREC); a low first-moment decay reacts faster when the target distribution
/// shifts, as it does once an adversarial term is added. Use (0.9, 0.999) for a purely pixel-loss run if preferred.
/// </para>
/// <para>
/// Learning rate: cosine decay from <see cref="LearningRate"/> at step 0 to <see cref="MinLearningRate"/> at the
/// last step, <c>min + (max - min) * (1 + cos(pi * step / (steps - 1))) / 2</c>, with no warm-up.
/// </para>
/// <para>
/// Augmentation is applied identically to the before image, the after image and the eye and region masks (colour
/// jitter to the images only), so a pair stays aligned.
/// </para>
/// </remarks>
public sealed record TrainerOptions
{
    /// <summary>Gets the number of passes over the training pairs. Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Gets the number of pairs per optimizer step. Default 8. The last batch of an epoch may be smaller; an epoch
    /// has <c>ceil(pairs / BatchSize)</c> steps.
    /// </summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// Gets the side of the square training crops, a multiple of 4 of at least 8. Default 256. Without jitter a
    /// crop is a square as wide as the image's short side, resampled (bilinear) to this size, which matches how
    /// inference resizes a whole photo to its inference size.
    /// </summary>
    public int CropSize { get; init; } = 256;

    /// <summary>Gets the learning rate at step 0. Default 2e-4.</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Gets the learning rate at the last step, in [0, <see cref="LearningRate"/>]. Default 0.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Gets Adam's first-moment decay, in [0, 1). Default 0.5 (see the remarks).</summary>
    public double Beta1 { get; init; } = 0.5;

    /// <summary>Gets Adam's second-moment decay, in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>
    /// Gets the seed of the network's initial weights, the shuffling, the validation split and the augmentation.
    /// Default 0. The same seed, data and options give the same run, step for step, on one CPU thread.
    /// </summary>
    public int Seed { get; init; }

    /// <summary>
    /// Gets how often, in steps, a checkpoint is written; one is also written at the end of every epoch and on
    /// cancellation. Default 200.
    /// </summary>
    public int CheckpointEvery { get; init; } = 200;

    /// <summary>
    /// Gets whether a training pair that cannot be read ends the run. Default false: such a pair (its source throws
    /// <see cref="InvalidDataException"/> or <see cref="IOException"/>) is replaced by the next readable pair of the
    /// epoch's order, listed in <see cref="TrainingResult.SkippedPairs"/> and reported through
    /// <see cref="TrainingProgress.SkippedPairs"/>; only when no pair can be read does the run fail. When true, the
    /// first unreadable pair throws <see cref="InvalidDataException"/> naming it (the last checkpoint stays).
    /// </summary>
    public bool StopOnBadPair { get; init; }

    /// <summary>
    /// Gets the share of the training pairs held out for validation when no validation source is given, in [0, 1).
    /// Default 0.1; <c>floor(pairs * fraction)</c> pairs, chosen by the seed, and at least one pair stays for
    /// training. 0 or too few pairs means no validation.
    /// </summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>
    /// Gets whether a run continues from <c>checkpoint.safetensors</c> and <c>trainer-state.safetensors</c> in the
    /// run folder. Default false (a new run, overwriting any files there). With no checkpoint present a new run
    /// starts. The seed, batch size, crop size, network shape, number of training pairs, adversarial weight and
    /// discriminator shape must match the saved run; <see cref="Epochs"/> may be raised to extend it, which stretches
    /// the cosine schedule from that step on. Learning rates may change on resume.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Gets whether crops are placed at random within the image (otherwise centred). Default true; on a square
    /// image only a zoom above 1 leaves room to move.
    /// </summary>
    public bool RandomCrop { get; init; } = true;

    /// <summary>
    /// Gets the scale jitter s, in [0, 0.5): each crop is zoomed by a random factor in [1 - s, 1 + s]. Default 0.1.
    /// Above 1 the crop shows part of the short side; below 1 it shows more than the image, the border mirrored.
    /// </summary>
    public double ScaleJitter { get; init; } = 0.1;

    /// <summary>Gets whether half of the crops are mirrored left to right. Default true.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>
    /// Gets the colour jitter j, in [0, 1]: each channel is multiplied by a random gain in [1 - j, 1 + j] and a
    /// shared random offset in [-j / 2, j / 2] is added, then values are clamped to [-1, 1]. Default 0.1; 0 is off.
    /// </summary>
    public double ColorJitter { get; init; } = 0.1;

    /// <summary>
    /// Gets the loss weights. Default: L1 1 and eyeliner 0.5. A positive
    /// <see cref="MakeupLossOptions.AdversarialWeight"/> turns on adversarial training: the trainer then also trains
    /// a <see cref="PatchDiscriminator"/> (see <see cref="DiscriminatorWidth"/>) and alternates a discriminator step
    /// with every generator step (see <see cref="Trainer"/>).
    /// </summary>
    public MakeupLossOptions Loss { get; init; } = new();

    /// <summary>
    /// Gets the discriminator's learning rate at step 0, or null for <see cref="LearningRate"/>. Default null. It
    /// follows the generator's cosine schedule scaled by <c>DiscriminatorLearningRate / LearningRate</c>, so it ends
    /// at <c>MinLearningRate * DiscriminatorLearningRate / LearningRate</c>. Used only with a positive adversarial
    /// weight; its Adam has betas (0.5, 0.999) whatever <see cref="Beta1"/> and <see cref="Beta2"/> are.
    /// </summary>
    public double? DiscriminatorLearningRate { get; init; }

    /// <summary>
    /// Gets the channels of the discriminator's first layer (<see cref="PatchDiscriminator.Width"/>), at least 1.
    /// Default 64. Used only with a positive adversarial weight.
    /// </summary>
    public int DiscriminatorWidth { get; init; } = 64;

    /// <summary>
    /// Gets the number of stride-2 layers of the discriminator (<see cref="PatchDiscriminator.Depth"/>), 1 to 8, with
    /// <c>2^depth</c> at most <see cref="CropSize"/>. Default 3 (one score per 8 x 8 block of the crop, each seeing
    /// a larger overlapping patch). Used only with a positive adversarial weight.
    /// </summary>
    public int DiscriminatorDepth { get; init; } = 3;

    /// <summary>Gets the network's shape. Default <see cref="TinyBeautyNetOptions.Official"/>.</summary>
    public TinyBeautyNetOptions NetworkOptions { get; init; } = TinyBeautyNetOptions.Official;

    /// <summary>Throws when a setting is out of range; the message names it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of its documented range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Loss"/> or <see cref="NetworkOptions"/> is null.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (CropSize < TinyBeautyNetOptions.MinimumSide || CropSize % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(CropSize),
                CropSize,
                $"CropSize must be a multiple of 4 of at least {TinyBeautyNetOptions.MinimumSide}; it is {CropSize}.");
        }

        if (!(double.IsFinite(LearningRate) && LearningRate > 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(LearningRate), LearningRate, $"LearningRate must be positive and finite; it is {LearningRate}.");
        }

        CheckRange(MinLearningRate, 0, LearningRate, nameof(MinLearningRate));
        CheckBelow(Beta1, 1, nameof(Beta1));
        CheckBelow(Beta2, 1, nameof(Beta2));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEvery, 1, nameof(CheckpointEvery));
        CheckBelow(ValidationFraction, 1, nameof(ValidationFraction));
        CheckBelow(ScaleJitter, 0.5, nameof(ScaleJitter));
        CheckRange(ColorJitter, 0, 1, nameof(ColorJitter));

        ArgumentNullException.ThrowIfNull(Loss, nameof(Loss));
        ArgumentNullException.ThrowIfNull(NetworkOptions, nameof(NetworkOptions));
        Loss.Validate();
        NetworkOptions.Validate();
        var discriminatorRate = DiscriminatorLearningRate ?? LearningRate;
        if (!(double.IsFinite(discriminatorRate) && discriminatorRate > 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(DiscriminatorLearningRate),
                discriminatorRate,
                $"DiscriminatorLearningRate must be positive and finite, or null; it is {discriminatorRate}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(DiscriminatorWidth, 1, nameof(DiscriminatorWidth));
        ArgumentOutOfRangeException.ThrowIfLessThan(DiscriminatorDepth, 1, nameof(DiscriminatorDepth));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DiscriminatorDepth, 8, nameof(DiscriminatorDepth));
        if (Loss.AdversarialWeight > 0 && (1 << DiscriminatorDepth) > CropSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(DiscriminatorDepth),
                DiscriminatorDepth,
                $"DiscriminatorDepth {DiscriminatorDepth} needs crops of at least {1 << DiscriminatorDepth} pixels; "
                + $"CropSize is {CropSize}.");
        }
    }

    private static void CheckBelow(double value, double bound, string name)
    {
        if (!(value >= 0 && value < bound))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, {bound}); it is {value}.");
        }
    }

    private static void CheckRange(double value, double minimum, double maximum, string name)
    {
        if (!(value >= minimum && value <= maximum))
        {
            throw new ArgumentOutOfRangeException(
                name, value, $"{name} must be in [{minimum}, {maximum}]; it is {value}.");
        }
    }
}
