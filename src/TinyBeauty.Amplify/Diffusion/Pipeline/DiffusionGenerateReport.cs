namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>What a generation run did.</summary>
/// <param name="Written">The pairs written by this run.</param>
/// <param name="PhotosAlreadyDone">The photos skipped entirely because an earlier run had written all their pairs.
/// </param>
/// <param name="Problems">The photos skipped because they could not be read or showed no face.</param>
public sealed record DiffusionGenerateReport(
    int Written,
    int PhotosAlreadyDone,
    IReadOnlyList<DiffusionProblem> Problems)
{
    /// <summary>Gets the pairs not generated again because an earlier run had written them (their after image
    /// exists), counting those of photos that were only partly done.</summary>
    public int PairsAlreadyDone { get; init; }
}
