namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>A named set of network configs.</summary>
public enum DiffusionConfigName
{
    /// <summary>
    /// The real models: runwayml/stable-diffusion-v1-5 UNet and VAE, lllyasviel/sd-controlnet-canny, the
    /// h94/IP-Adapter ViT-H/14 image encoder and TinyBeauty's projection.
    /// </summary>
    StableDiffusion15,

    /// <summary>
    /// The tiny models of diffusers' own tests: <see cref="UNet2DConditionConfig.TinyStableDiffusionTest"/>,
    /// <see cref="AutoencoderKLConfig.TinyStableDiffusionTest"/>, <see cref="ControlNetConfig.TinyTest"/>,
    /// <see cref="ClipVisionConfig.TinyTest"/> and <see cref="ImageTokenProjectionConfig.TinyTest"/>.
    /// </summary>
    Tiny,
}
