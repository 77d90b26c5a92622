using TinyBeauty.Amplify.Diffusion.Networks;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>The shapes of the networks that <see cref="DiffusionModels"/> holds.</summary>
/// <param name="UNet">The denoising UNet.</param>
/// <param name="Vae">The autoencoder.</param>
/// <param name="ImageEncoder">The CLIP image encoder.</param>
/// <param name="Projection">TinyBeauty's image-token projection; its embedding width must be the encoder's projection
/// width and its token width the UNet's cross-attention width.</param>
/// <param name="ControlNet">The ControlNet, or null when none is used; its UNet config must be <paramref name="UNet"/>.
/// </param>
public sealed record DiffusionModelConfigs(
    UNet2DConditionConfig UNet,
    AutoencoderKLConfig Vae,
    ClipVisionConfig ImageEncoder,
    ImageTokenProjectionConfig Projection,
    ControlNetConfig? ControlNet = null)
{
    /// <summary>Gets the real models: SD1.5 UNet and VAE, the ViT-H/14 encoder and the 32-token projection.</summary>
    public static DiffusionModelConfigs StableDiffusion15 { get; } = new(
        UNet2DConditionConfig.StableDiffusion15,
        AutoencoderKLConfig.StableDiffusion15,
        ClipVisionConfig.VitHuge14,
        ImageTokenProjectionConfig.TinyBeauty);

    /// <summary>Gets <see cref="StableDiffusion15"/> with the canny ControlNet.</summary>
    public static DiffusionModelConfigs StableDiffusion15WithControlNet { get; } =
        StableDiffusion15 with { ControlNet = ControlNetConfig.StableDiffusion15 };

    /// <summary>Gets the tiny test networks without a ControlNet (images of 16 pixels and up, multiples of 4).
    /// </summary>
    public static DiffusionModelConfigs Tiny { get; } = new(
        UNet2DConditionConfig.TinyStableDiffusionTest,
        AutoencoderKLConfig.TinyStableDiffusionTest,
        ClipVisionConfig.TinyTest,
        ImageTokenProjectionConfig.TinyTest);

    /// <summary>Gets the tiny test networks with the tiny ControlNet (and the UNet it pairs with).</summary>
    public static DiffusionModelConfigs TinyWithControlNet { get; } = Tiny with
    {
        UNet = UNet2DConditionConfig.TinyControlNetTest,
        ControlNet = ControlNetConfig.TinyTest,
    };

    /// <summary>
    /// Gets the side that image sizes must be a multiple of: the VAE's downscale factor times the UNet's
    /// (2^(levels - 1)); 64 for SD1.5, 4 for the tiny networks.
    /// </summary>
    public int SizeMultiple => Vae.DownscaleFactor * (1 << (UNet.BlockOutChannels.Count - 1));

    /// <summary>Checks that the networks fit together.</summary>
    /// <exception cref="ArgumentException">A config is null or invalid, or two widths do not match.</exception>
    public void Validate()
    {
        if (UNet is null || Vae is null || ImageEncoder is null || Projection is null)
        {
            throw new ArgumentException("Every config except the ControlNet's is required.");
        }

        UNet.Validate();
        Vae.Validate();
        ImageEncoder.Validate();
        Projection.Validate();
        ControlNet?.Validate();
        if (Projection.EmbeddingDim != ImageEncoder.ProjectionDim
            || Projection.CrossAttentionDim != UNet.CrossAttentionDim)
        {
            throw new ArgumentException(
                $"The projection maps {Projection.EmbeddingDim} to {Projection.CrossAttentionDim}; the encoder gives "
                + $"{ImageEncoder.ProjectionDim} and the UNet reads {UNet.CrossAttentionDim}.");
        }

        if (Vae.LatentChannels != UNet.InChannels)
        {
            throw new ArgumentException(
                $"The VAE has {Vae.LatentChannels} latent channels; the UNet takes {UNet.InChannels}.");
        }

        if (ControlNet is not null
            && (!ControlNet.UNet.BlockOutChannels.SequenceEqual(UNet.BlockOutChannels)
                || ControlNet.UNet.CrossAttentionDim != UNet.CrossAttentionDim
                || ControlNet.ConditioningScaleFactor != Vae.DownscaleFactor))
        {
            throw new ArgumentException(
                "The ControlNet must be built for this UNet, with a conditioning scale equal to the VAE's "
                + "downscale factor.");
        }
    }
}
