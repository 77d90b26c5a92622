namespace TinyBeauty.Model.Training;

/// <summary>What a finished <see cref="Trainer.Train"/> call produced.</summary>
/// <param name="Steps">The number of steps in the run (all done).</param>
/// <param name="StepsThisCall">The steps done by this call; fewer than <paramref name="Steps"/> after a resume.
/// </param>
/// <param name="FinalLoss">The loss of the last step, or null when a resumed run had no step left to do.</param>
/// <param name="Validation">The validation results of the epochs finished in this call, oldest first.</param>
/// <param name="ModelPath">The full path of the exported <c>model.onnx</c>.</param>
/// <param name="CheckpointPath">The full path of <c>checkpoint.safetensors</c>, the network's weights.</param>
/// <param name="LossesPath">The full path of <c>losses.csv</c>.</param>
/// <param name="Elapsed">The time this call took.</param>
public sealed record TrainingResult(
    long Steps,
    long StepsThisCall,
    MakeupLossBreakdown? FinalLoss,
    IReadOnlyList<ValidationMetrics> Validation,
    string ModelPath,
    string CheckpointPath,
    string LossesPath,
    TimeSpan Elapsed)
{
    /// <summary>Gets the training pairs this call could not read and replaced, in the order they were met.</summary>
    public IReadOnlyList<SkippedTrainingPair> SkippedPairs { get; init; } = [];
}
