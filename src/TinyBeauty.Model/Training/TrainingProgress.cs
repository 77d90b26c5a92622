namespace TinyBeauty.Model.Training;

/// <summary>
/// One report from <see cref="Trainer.Train"/>: sent after every optimizer step, and once more after each epoch's
/// validation with <see cref="Validation"/> set.
/// </summary>
/// <param name="Epoch">The 1-based epoch the step belongs to.</param>
/// <param name="Epochs">The number of epochs in the run.</param>
/// <param name="Step">The number of steps done so far in the whole run, 1-based (counting resumed steps).</param>
/// <param name="TotalSteps">The number of steps in the whole run.</param>
/// <param name="Loss">The training loss of the step's batch.</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="Elapsed">The time spent in this call of <see cref="Trainer.Train"/>.</param>
/// <param name="Remaining">
/// The estimated time to the end, from the average time of this call's steps after its first (which includes
/// warm-up); <see cref="TimeSpan.Zero"/> at the end.
/// </param>
/// <param name="Validation">The epoch's validation results, or null for an ordinary step report.</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    long Step,
    long TotalSteps,
    MakeupLossBreakdown Loss,
    double LearningRate,
    TimeSpan Elapsed,
    TimeSpan Remaining,
    ValidationMetrics? Validation = null)
{
    /// <summary>
    /// Gets the discriminator's least-squares loss (<see cref="AdversarialLoss.DiscriminatorLoss"/>) on the step's
    /// batch, computed before the discriminator's update; 0 when the adversarial weight is 0 (no discriminator).
    /// </summary>
    public float DiscriminatorLoss { get; init; }

    /// <summary>Gets how many training pairs this call has skipped so far because they could not be read.</summary>
    public int SkippedPairs { get; init; }
}
