namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>A network of the Stable Diffusion 1.5 amplifier.</summary>
public enum DiffusionComponent
{
    /// <summary>The denoising <see cref="UNet2DConditionModel"/>.</summary>
    UNet,

    /// <summary>The <see cref="AutoencoderKL"/>.</summary>
    Vae,

    /// <summary>The CLIP image encoder, <see cref="ClipVisionModelWithProjection"/>.</summary>
    ImageEncoder,

    /// <summary>The <see cref="ControlNetModel"/>.</summary>
    ControlNet,

    /// <summary>TinyBeauty's <see cref="ImageTokenProjection"/>.</summary>
    ImageProjection,
}
