namespace TinyBeauty.Model.Training;

/// <summary>A training pair that could not be read during a run and was replaced by another.</summary>
/// <param name="Index">The pair's index in the training source.</param>
/// <param name="Name">The pair's name, from <see cref="ITrainingPairSource.GetName"/>.</param>
/// <param name="Reason">Why it could not be read (the reader's message).</param>
/// <param name="Step">The 1-based step at which it was first met in this call.</param>
public sealed record SkippedTrainingPair(int Index, string Name, string Reason, long Step)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Reason}";
}
