namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>A report after one fine-tuning step.</summary>
/// <param name="Step">The steps done so far (1-based, counting resumed steps).</param>
/// <param name="TotalSteps">The steps of the whole run.</param>
/// <param name="Loss">This step's masked noise loss.</param>
/// <param name="Elapsed">The time since this call started.</param>
/// <param name="Remaining">The estimated time left, from this call's mean step time.</param>
public sealed record DiffusionFinetuneProgress(int Step, int TotalSteps, double Loss, TimeSpan Elapsed,
    TimeSpan Remaining);
