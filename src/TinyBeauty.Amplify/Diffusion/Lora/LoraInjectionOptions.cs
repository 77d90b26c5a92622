namespace TinyBeauty.Amplify.Diffusion.Lora;

/// <summary>Which linear modules <see cref="LoraAdapter.Inject"/> adapts, and how.</summary>
public sealed record LoraInjectionOptions
{
    /// <summary>The UNet attention projections that TinyBeauty adapts.</summary>
    public static IReadOnlyList<string> AttentionProjections { get; } = ["to_q", "to_k", "to_v", "to_out.0"];

    /// <summary>Gets the rank of every update; default 4.</summary>
    public int Rank { get; init; } = LoraLinear.DefaultRank;

    /// <summary>
    /// Gets the path suffixes to adapt: a module is adapted when its dotted path equals a suffix or ends with
    /// "." + suffix. Default <see cref="AttentionProjections"/>.
    /// </summary>
    public IReadOnlyList<string> Targets { get; init; } = AttentionProjections;

    /// <summary>
    /// Gets the seed of the generator that initialises the down-projections (in module-path order); null uses
    /// TorchSharp's global generator. Default 0, so injection is reproducible.
    /// </summary>
    public long? Seed { get; init; } = 0;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rank is below 1.</exception>
    /// <exception cref="ArgumentException">The target list is null, empty or holds an empty suffix.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Rank, 1, nameof(Rank));
        if (Targets is null || Targets.Count == 0 || Targets.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one non-empty target suffix is needed.", nameof(Targets));
        }
    }
}
