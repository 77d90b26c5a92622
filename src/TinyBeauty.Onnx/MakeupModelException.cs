namespace TinyBeauty.Onnx;

/// <summary>
/// Thrown when a model cannot be used for makeup: it does not load, its inputs or outputs are not those of a
/// TinyBeauty network, or it produced values that are not finite.
/// </summary>
public sealed class MakeupModelException : Exception
{
    /// <summary>Initializes the exception with a message that names the problem.</summary>
    public MakeupModelException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception with a message and the error that caused it.</summary>
    public MakeupModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes the exception with a generic message.</summary>
    public MakeupModelException()
        : base("The makeup model cannot be used.")
    {
    }
}
