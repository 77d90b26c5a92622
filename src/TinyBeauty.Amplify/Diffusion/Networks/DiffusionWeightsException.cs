namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// Thrown when a weights file cannot be loaded into a diffusion network: the file or folder is missing, the file is
/// not valid safetensors, a tensor is missing, extra or misshaped, or its dtype is not accepted. The message names
/// the file and the tensor (with the expected and actual shapes where they differ).
/// </summary>
public sealed class DiffusionWeightsException : Exception
{
    /// <summary>Initializes the exception with a default message.</summary>
    public DiffusionWeightsException()
        : base("The diffusion weights could not be loaded.")
    {
    }

    /// <summary>Initializes the exception with a message.</summary>
    public DiffusionWeightsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes the exception with a message and the error that caused it.</summary>
    public DiffusionWeightsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
