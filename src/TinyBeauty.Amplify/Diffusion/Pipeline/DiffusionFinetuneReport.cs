namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>What a fine-tuning run did.</summary>
/// <param name="FirstStep">The step the run started from (0, or the resumed step).</param>
/// <param name="TotalSteps">The steps of the whole run.</param>
/// <param name="Losses">The loss of every step this call ran, in order.</param>
/// <param name="PairsUsed">How many seed pairs were trained on.</param>
/// <param name="Skipped">The seed pairs left out (no usable mask, unreadable) and the folder's own problems.</param>
public sealed record DiffusionFinetuneReport(
    int FirstStep,
    int TotalSteps,
    IReadOnlyList<double> Losses,
    int PairsUsed,
    IReadOnlyList<DiffusionProblem> Skipped);
