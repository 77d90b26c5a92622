using TinyBeauty.Amplify.Diffusion.Conditioning;
using TinyBeauty.Amplify.Diffusion.Guidance;
using TinyBeauty.Onnx;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>Settings of <see cref="DiffusionPairGenerator"/>.</summary>
public sealed record DiffusionGenerateOptions
{
    /// <summary>Gets the side of every pair image; a multiple of <see cref="DiffusionModelConfigs.SizeMultiple"/>;
    /// default 512.</summary>
    public int Size { get; init; } = 512;

    /// <summary>Gets the Euler-Ancestral step count of the full schedule; default 10.</summary>
    public int Steps { get; init; } = 10;

    /// <summary>Gets the img2img strength in (0, 1]; default 0.3.</summary>
    public double Strength { get; init; } = 0.3;

    /// <summary>Gets the run's seed, mixed with each pair's name; default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Gets the synthesis weights and branch settings; default
    /// <see cref="ResidualDiffusionOptions.Paper"/> (LoRA 0.8 without guidance, LoRA 0.9 with guidance 2.5).</summary>
    public ResidualDiffusionOptions Synthesis { get; init; } = ResidualDiffusionOptions.Paper;

    /// <summary>Gets the mask regions whose union is the changed mask M; default face, lips, brows and eyes (the
    /// face oval covers the nose).</summary>
    public IReadOnlyList<string> MaskRegions { get; init; } = ["face", "lips", "brows", "eyes"];

    /// <summary>
    /// Gets whether sampling is mask-guided: after every step of both branches, the latents outside the changed mask
    /// (the union of <see cref="MaskRegions"/>, averaged down to latent resolution) are replaced by the input's
    /// latents noised to the same level, so that the final latents equal the input's there exactly and only the
    /// changed region is generated; default true, as the TinyBeauty amplifier samples.
    /// </summary>
    public bool MaskGuidance { get; init; } = true;

    /// <summary>Gets the ControlNet's conditioning scale (used only when a ControlNet is loaded); default 1.</summary>
    public double ControlNetScale { get; init; } = 1.0;

    /// <summary>Gets the edge detector's settings for the ControlNet condition; null means the defaults.</summary>
    public CannyOptions? Canny { get; init; }

    /// <summary>Gets the largest photo accepted, in pixels; default <see cref="MakeupImage.DefaultMaxPixels"/>.
    /// </summary>
    public long MaxPixels { get; init; } = MakeupImage.DefaultMaxPixels;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">The mask region list is null or empty.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Size, 8, nameof(Size));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        if (!(Strength > 0 && Strength <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "The strength must be in (0, 1].");
        }

        ArgumentNullException.ThrowIfNull(Synthesis, nameof(Synthesis));
        Synthesis.Validate();
        if (!double.IsFinite(ControlNetScale))
        {
            throw new ArgumentOutOfRangeException(nameof(ControlNetScale), ControlNetScale, "Must be finite.");
        }

        Canny?.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1, nameof(MaxPixels));
        if (MaskRegions is null || MaskRegions.Count == 0)
        {
            throw new ArgumentException("At least one mask region is needed.", nameof(MaskRegions));
        }
    }
}
