using TinyBeauty.Amplify.Diffusion.Guidance;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>Settings of <see cref="DiffusionFinetuner"/>.</summary>
public sealed record DiffusionFinetuneOptions
{
    /// <summary>Gets the side the seed images are resized to (stretched when not square); a multiple of
    /// <see cref="DiffusionModelConfigs.SizeMultiple"/>; default 512.</summary>
    public int Size { get; init; } = 512;

    /// <summary>Gets how many times every usable seed pair is visited; at least 1; default 100.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Gets a cap on the total number of steps, or null for epochs x pairs.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Gets the LoRA rank; default 4.</summary>
    public int Rank { get; init; } = 4;

    /// <summary>Gets the AdamW learning rate; default 1e-4.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Gets the AdamW decoupled weight decay; default 1e-2.</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary>Gets whether the projection is trained with the LoRA; default true.</summary>
    public bool TrainProjection { get; init; } = true;

    /// <summary>Gets the seed of the LoRA initialisation, the pair order and every noise draw; default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Gets how often (in steps) a checkpoint is written; 0 writes only the final one; default 100.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Gets whether to continue from the state file beside the output when it exists; default false.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Gets the masked-loss crop settings; null means a 48-latent crop weighted 5 (clamped to the
    /// latents).</summary>
    public MaskedNoiseLossOptions? Loss { get; init; }

    /// <summary>Gets the mask regions whose union is the changed region, matched against the pair folder's mask
    /// names; default face, lips, brows, eyes and eye-region.</summary>
    public IReadOnlyList<string> MaskRegions { get; init; } = ["face", "lips", "brows", "eyes", "eye-region"];

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">The mask region list is null or empty.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Size, 8, nameof(Size));
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        if (MaxSteps is { } steps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1, nameof(MaxSteps));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Rank, 1, nameof(Rank));
        if (!(double.IsFinite(LearningRate) && LearningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be finite and positive.");
        }

        if (!(double.IsFinite(WeightDecay) && WeightDecay >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Must be finite and at least 0.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(CheckpointEvery, nameof(CheckpointEvery));
        Loss?.Validate();
        if (MaskRegions is null || MaskRegions.Count == 0)
        {
            throw new ArgumentException("At least one mask region is needed.", nameof(MaskRegions));
        }
    }
}
