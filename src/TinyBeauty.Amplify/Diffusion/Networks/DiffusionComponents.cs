namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>Describes the networks by name, for tools such as <c>amplify describe</c>.</summary>
public static class DiffusionComponents
{
    /// <summary>
    /// Lists the parameter names and shapes of a network without allocating its weights (it is built on the
    /// <c>meta</c> device, which holds shapes only), so describing the 860 M-parameter UNet is cheap.
    /// </summary>
    /// <param name="configName">Which set of configs.</param>
    /// <param name="component">Which network.</param>
    /// <returns>The parameters in <c>state_dict()</c> order; their names are the keys of a diffusers (or
    /// transformers) safetensors file of that network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is not a defined member of its enum.</exception>
    public static IReadOnlyList<ParameterShape> Describe(DiffusionConfigName configName, DiffusionComponent component)
    {
        var real = configName switch
        {
            DiffusionConfigName.StableDiffusion15 => true,
            DiffusionConfigName.Tiny => false,
            _ => throw new ArgumentOutOfRangeException(nameof(configName), configName, "Unknown config name."),
        };

        return component switch
        {
            DiffusionComponent.UNet => UNet2DConditionModel.Describe(
                real ? UNet2DConditionConfig.StableDiffusion15 : UNet2DConditionConfig.TinyStableDiffusionTest),
            DiffusionComponent.Vae => AutoencoderKL.Describe(
                real ? AutoencoderKLConfig.StableDiffusion15 : AutoencoderKLConfig.TinyStableDiffusionTest),
            DiffusionComponent.ImageEncoder => ClipVisionModelWithProjection.Describe(
                real ? ClipVisionConfig.VitHuge14 : ClipVisionConfig.TinyTest),
            DiffusionComponent.ControlNet => ControlNetModel.Describe(
                real ? ControlNetConfig.StableDiffusion15 : ControlNetConfig.TinyTest),
            DiffusionComponent.ImageProjection => ImageTokenProjection.Describe(
                real ? ImageTokenProjectionConfig.TinyBeauty : ImageTokenProjectionConfig.TinyTest),
            _ => throw new ArgumentOutOfRangeException(nameof(component), component, "Unknown component."),
        };
    }
}
