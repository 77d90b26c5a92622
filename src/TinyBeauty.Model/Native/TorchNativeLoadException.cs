namespace TinyBeauty.Model;

/// <summary>
/// Thrown when TorchSharp's native libraries cannot be loaded. The message says which file is missing or why the
/// system refused to load it, and what to change; the inner exception is TorchSharp's own error.
/// </summary>
public sealed class TorchNativeLoadException : Exception
{
    /// <summary>Initializes the exception with a default message.</summary>
    public TorchNativeLoadException()
        : base("TorchSharp's native libraries could not be loaded.")
    {
    }

    /// <summary>Initializes the exception with a message.</summary>
    public TorchNativeLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception with a message and the error that caused it.</summary>
    public TorchNativeLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
