namespace TinyBeauty.Onnx.Pairs;

/// <summary>A file in a pair folder that <see cref="PairFolder.Open"/> skipped, and why.</summary>
public sealed class PairProblem
{
    internal PairProblem(string path, PairProblemKind kind, string reason)
    {
        Path = path;
        Kind = kind;
        Reason = reason;
    }

    /// <summary>Gets the full path of the file the problem is about.</summary>
    public string Path { get; }

    /// <summary>Gets the kind of problem.</summary>
    public PairProblemKind Kind { get; }

    /// <summary>Gets a sentence that explains the problem and, where it helps, what was expected.</summary>
    public string Reason { get; }

    /// <summary>Returns the path and the reason, as <c>path: reason</c>.</summary>
    /// <returns>A line suitable for a log or a console.</returns>
    public override string ToString() => $"{Path}: {Reason}";
}
