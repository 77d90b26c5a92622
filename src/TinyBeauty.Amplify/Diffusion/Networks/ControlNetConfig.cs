namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The shape of a <see cref="ControlNetModel"/>: a copy of a UNet's input convolution, time embedding, down blocks
/// and mid block, plus a conditioning-image encoder. The defaults are lllyasviel/sd-controlnet-canny's.
/// </summary>
public sealed record ControlNetConfig
{
    /// <summary>
    /// Gets the UNet whose encoder half is copied; only its input channels, down blocks, layers, heads,
    /// cross-attention width and norms matter (its up blocks and output channels are ignored).
    /// </summary>
    public UNet2DConditionConfig UNet { get; init; } = UNet2DConditionConfig.StableDiffusion15;

    /// <summary>Gets the channels of the conditioning image: 3 (RGB).</summary>
    public int ConditioningChannels { get; init; } = 3;

    /// <summary>
    /// Gets the widths of the conditioning encoder's stages, [16, 32, 96, 256] for SD1.5; every stage after the first
    /// halves the resolution, so the image must be 2^(count - 1) times the latent size (8x for SD1.5).
    /// </summary>
    public IReadOnlyList<int> ConditioningEmbeddingChannels { get; init; } = [16, 32, 96, 256];

    /// <summary>Gets lllyasviel/sd-controlnet-canny: 361,279,120 parameters in 340 tensors.</summary>
    public static ControlNetConfig StableDiffusion15 { get; } = new();

    /// <summary>
    /// Gets the tiny ControlNet of diffusers' ControlNet pipeline tests (on
    /// <see cref="UNet2DConditionConfig.TinyControlNetTest"/>, stages [16, 32]): 21,236 parameters in 170 tensors.
    /// </summary>
    public static ControlNetConfig TinyTest { get; } = new()
    {
        UNet = UNet2DConditionConfig.TinyControlNetTest,
        ConditioningEmbeddingChannels = [16, 32],
    };

    /// <summary>Gets how many times larger than the latent the conditioning image is.</summary>
    public int ConditioningScaleFactor => 1 << (ConditioningEmbeddingChannels.Count - 1);

    /// <summary>Checks that the fields describe a buildable network.</summary>
    /// <exception cref="ArgumentException">The UNet config is invalid or a count or width is not positive.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(UNet);
        UNet.Validate();
        if (ConditioningChannels <= 0 || ConditioningEmbeddingChannels is not { Count: > 0 }
            || ConditioningEmbeddingChannels.Any(width => width <= 0))
        {
            throw new ArgumentException($"Invalid ControlNet config: widths must be positive ({this}).");
        }
    }
}
