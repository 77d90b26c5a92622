namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>How <see cref="DiffusionWeights"/> and <see cref="DiffusersFolder"/> load weights.</summary>
public sealed record DiffusionWeightsOptions
{
    /// <summary>Gets the defaults: F32, F16 and BF16 files accepted, full-precision files preferred.</summary>
    public static DiffusionWeightsOptions Default { get; } = new();

    /// <summary>
    /// Gets a value indicating whether only float32 files are accepted. When false (the default), F16 and BF16
    /// tensors are converted to the parameters' dtype; when true, a file holding any of them is refused.
    /// </summary>
    public bool RequireFloat32 { get; init; }

    /// <summary>
    /// Gets a value indicating whether a diffusers folder's <c>.fp16.safetensors</c> variant is tried before the
    /// full-precision file (false by default). Either way the other file is used when the first is absent.
    /// </summary>
    public bool PreferFloat16Variant { get; init; }
}
