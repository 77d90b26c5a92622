namespace TinyBeauty.Amplify.Diffusion.Guidance;

/// <summary>
/// Weights and branch settings of the residual diffusion synthesis (see <see cref="ResidualDiffusionSynthesis"/>).
/// </summary>
/// <remarks>
/// <para>
/// Two sets of weights exist. The TinyBeauty paper gives lambda_m = 1 and lambda_d = 0.8
/// (<see cref="Paper"/>); the released inference code uses lambda_m = 0.9 and lambda_d = 0.7
/// (<see cref="ReleasedCode"/>). The defaults are the paper's: it is the published, reviewed description of the
/// method, lambda_m = 1 transfers the full style difference F(x, c) - F(x) inside the mask, and a higher lambda_d keeps
/// more of the input's detail. Choose <see cref="ReleasedCode"/> to reproduce images made with the released scripts.
/// </para>
/// <para>
/// The branch settings match the released inference: the unconditional branch F(x) runs without guidance at LoRA
/// scale 0.8, the conditional branch F(x, c) with guidance 2.5 at LoRA scale 0.9. They describe how to run the two
/// sampling passes; <see cref="ResidualDiffusionSynthesis.Compose"/> itself only combines their outputs.
/// </para>
/// </remarks>
public sealed record ResidualDiffusionOptions
{
    /// <summary>Gets the paper's weights (lambda_m 1, lambda_d 0.8), which are also the defaults.</summary>
    public static ResidualDiffusionOptions Paper { get; } = new();

    /// <summary>Gets the released code's weights (lambda_m 0.9, lambda_d 0.7).</summary>
    public static ResidualDiffusionOptions ReleasedCode { get; } = new() { StyleWeight = 0.9, DetailWeight = 0.7 };

    /// <summary>Gets lambda_m, the weight of the style difference F(x, c) - F(x); default 1.</summary>
    public double StyleWeight { get; init; } = 1.0;

    /// <summary>Gets lambda_d, the weight of the detail residual x - F(x); default 0.8.</summary>
    public double DetailWeight { get; init; } = 0.8;

    /// <summary>Gets how the unconditional branch runs; default no guidance, LoRA scale 0.8.</summary>
    public BranchSettings UnconditionalBranch { get; init; } = new(null, 0.8);

    /// <summary>Gets how the conditional branch runs; default guidance 2.5, LoRA scale 0.9.</summary>
    public BranchSettings ConditionalBranch { get; init; } = new(2.5, 0.9);

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A weight is not finite, or a branch setting is out of range.
    /// </exception>
    /// <exception cref="ArgumentNullException">A branch setting is null.</exception>
    public void Validate()
    {
        if (!double.IsFinite(StyleWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(StyleWeight), StyleWeight, "lambda_m must be finite.");
        }

        if (!double.IsFinite(DetailWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(DetailWeight), DetailWeight, "lambda_d must be finite.");
        }

        ArgumentNullException.ThrowIfNull(UnconditionalBranch, nameof(UnconditionalBranch));
        ArgumentNullException.ThrowIfNull(ConditionalBranch, nameof(ConditionalBranch));
        UnconditionalBranch.Validate();
        ConditionalBranch.Validate();
    }
}
