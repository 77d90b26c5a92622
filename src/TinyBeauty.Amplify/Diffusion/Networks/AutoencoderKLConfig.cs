namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The shape of an <see cref="AutoencoderKL"/>, with the fields of a diffusers <c>AutoencoderKL</c> config. The
/// defaults are the SD1.5 VAE's.
/// </summary>
/// <remarks>
/// Fixed, as in SD1.5: SiLU activations, group norms with epsilon 1e-6, one single-head attention in each mid
/// block, <c>DownEncoderBlock2D</c> / <c>UpDecoderBlock2D</c> blocks, and no skip connections.
/// </remarks>
public sealed record AutoencoderKLConfig
{
    /// <summary>The latent scaling factor of SD1.5 (diffusers' default): latents = sample x 0.18215.</summary>
    public const double StableDiffusion15ScalingFactor = 0.18215;

    /// <summary>Gets the image channels encoded: 3.</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Gets the image channels decoded: 3.</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Gets the latent channels: 4.</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>Gets the channels per level, from the finest: [128, 256, 512, 512] for SD1.5.</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [128, 256, 512, 512];

    /// <summary>Gets the residual blocks per encoder block (decoder blocks have one more): 2 for SD1.5.</summary>
    public int LayersPerBlock { get; init; } = 2;

    /// <summary>Gets the group count of every group norm: 32 for SD1.5.</summary>
    public int NormGroups { get; init; } = 32;

    /// <summary>Gets the factor latents are multiplied by before the UNet sees them: 0.18215.</summary>
    public double ScalingFactor { get; init; } = StableDiffusion15ScalingFactor;

    /// <summary>Gets the runwayml/stable-diffusion-v1-5 VAE: 83,653,863 parameters in 248 tensors.</summary>
    public static AutoencoderKLConfig StableDiffusion15 { get; } = new();

    /// <summary>
    /// Gets the tiny VAE of diffusers' Stable Diffusion pipeline tests (channels 4 and 8, one layer per block,
    /// 2 norm groups): 11,827 parameters in 124 tensors.
    /// </summary>
    public static AutoencoderKLConfig TinyStableDiffusionTest { get; } = new()
    {
        BlockOutChannels = [4, 8],
        LayersPerBlock = 1,
        NormGroups = 2,
    };

    /// <summary>Gets how many times smaller than the image the latent is: 2^(levels - 1), 8 for SD1.5.</summary>
    public int DownscaleFactor => 1 << (BlockOutChannels.Count - 1);

    /// <summary>Checks that the fields describe a buildable network.</summary>
    /// <exception cref="ArgumentException">A count or width is not positive or a width is not divisible by the
    /// group count.</exception>
    public void Validate()
    {
        var valid = InChannels > 0 && OutChannels > 0 && LatentChannels > 0 && LayersPerBlock > 0 && NormGroups > 0
            && BlockOutChannels is { Count: > 0 }
            && BlockOutChannels.All(width => width > 0 && width % NormGroups == 0)
            && ScalingFactor > 0;
        if (!valid)
        {
            throw new ArgumentException($"Invalid VAE config ({this}).");
        }
    }
}
