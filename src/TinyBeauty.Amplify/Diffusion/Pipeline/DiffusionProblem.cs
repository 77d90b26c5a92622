namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>A seed pair, photo or file that a diffusion run skipped, and why.</summary>
/// <param name="Path">The file (or the before image of a pair).</param>
/// <param name="Reason">A sentence saying why.</param>
public sealed record DiffusionProblem(string Path, string Reason)
{
    /// <summary>Returns <c>path: reason</c>.</summary>
    /// <returns>A line for a log or a console.</returns>
    public override string ToString() => $"{Path}: {Reason}";
}
