using TinyBeauty.Amplify.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>How <see cref="DiffusionModels.Load"/> builds the networks.</summary>
public sealed record DiffusionModelsOptions
{
    /// <summary>Gets the network shapes; default <see cref="DiffusionModelConfigs.StableDiffusion15"/>. A ControlNet
    /// config is used only when the folder has a <c>controlnet</c> subfolder; without one, the SD1.5 ControlNet.
    /// </summary>
    public DiffusionModelConfigs Configs { get; init; } = DiffusionModelConfigs.StableDiffusion15;

    /// <summary>Gets where the parameters live; null means the CPU (a CUDA device needs the CUDA libtorch package).
    /// </summary>
    public Device? Device { get; init; }

    /// <summary>Gets the dtype and file-variant choices; null means <see cref="DiffusionWeightsOptions.Default"/>.
    /// </summary>
    public DiffusionWeightsOptions? Weights { get; init; }

    /// <summary>
    /// Gets the seed of the projection's initial weights when the folder has no <c>image_proj</c> subfolder (the
    /// projection is then trained from scratch by <see cref="DiffusionFinetuner"/>); default 0.
    /// </summary>
    public long ProjectionSeed { get; init; }
}
