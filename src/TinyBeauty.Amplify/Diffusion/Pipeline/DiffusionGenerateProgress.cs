namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>A report after each photo of a generation run.</summary>
/// <param name="Done">The photos handled so far (written, already present or skipped).</param>
/// <param name="Total">The photos of the run.</param>
/// <param name="Current">The file name of the photo just handled.</param>
/// <param name="Elapsed">The time since the run started.</param>
public sealed record DiffusionGenerateProgress(int Done, int Total, string Current, TimeSpan Elapsed);
