namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>A report after each photo of a generation run.</summary>
/// <param name="Done">The photos handled so far (written, already present or skipped).</param>
/// <param name="Total">The photos of the run.</param>
/// <param name="Current">The file name of the photo just handled.</param>
/// <param name="Elapsed">The time since the run started.</param>
public sealed record DiffusionGenerateProgress(int Done, int Total, string Current, TimeSpan Elapsed)
{
    /// <summary>Gets the pairs written so far by this run.</summary>
    public int PairsWritten { get; init; }

    /// <summary>Gets the pairs found complete from an earlier run so far, and so not generated again.</summary>
    public int PairsAlreadyDone { get; init; }

    /// <summary>Gets the estimated time left, from the mean time per photo so far (zero before the first photo).
    /// Photos already done take little time, so the estimate is low while they are being passed over.</summary>
    public TimeSpan Remaining => Done == 0 ? TimeSpan.Zero : Elapsed / Done * (Total - Done);
}
