namespace TinyBeauty.Model.Training;

/// <summary>
/// A random-access set of before/after training pairs for <see cref="Trainer"/>. The trainer reads pairs by index,
/// possibly many times and in any order; an implementation may decode them from disk on every call.
/// </summary>
/// <remarks>
/// Implementations are called from the training thread only. <see cref="Count"/> must not change while a run is in
/// progress, and <see cref="Get"/> must return the same pixels for the same index every time: exact resumption of
/// a run depends on it.
/// </remarks>
public interface ITrainingPairSource
{
    /// <summary>Gets the number of pairs; at least 1 for a training set, possibly 0 for a validation set.</summary>
    int Count { get; }

    /// <summary>Returns the pair at <paramref name="index"/>, in [0, <see cref="Count"/>).</summary>
    /// <param name="index">The pair's position.</param>
    /// <returns>The pair; the trainer does not modify its arrays.</returns>
    /// <exception cref="InvalidDataException">The pair's data cannot be read or decoded (say a corrupt image).
    /// </exception>
    /// <exception cref="IOException">The pair's files cannot be read (say one was deleted).</exception>
    /// <remarks>The trainer skips a pair that throws one of these two and reports it (see
    /// <see cref="TrainerOptions.StopOnBadPair"/>); any other exception ends the run.</remarks>
    TrainingPair Get(int index);

    /// <summary>Returns a name for the pair at <paramref name="index"/> for messages, such as its file name.</summary>
    /// <param name="index">The pair's position.</param>
    /// <returns>The name; by default <c>pair &lt;index&gt;</c>.</returns>
    string GetName(int index) => $"pair {index}";
}
