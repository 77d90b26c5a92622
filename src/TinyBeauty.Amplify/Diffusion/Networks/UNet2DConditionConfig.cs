namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The shape of a <see cref="UNet2DConditionModel"/>, with the fields of a diffusers <c>UNet2DConditionModel</c>
/// config that Stable Diffusion 1.5 uses. The defaults are the SD1.5 values.
/// </summary>
/// <remarks>
/// Fixed, as in SD1.5: sinusoidal timestep features with <c>flip_sin_to_cos</c> true and frequency shift 0, SiLU
/// activations, downsampling convolutions with padding 1, one transformer layer per attention block, 1x1
/// convolution projections into and out of each transformer (<c>use_linear_projection</c> false), a
/// <c>UNetMidBlock2DCrossAttn</c> mid block and no class embedding.
/// </remarks>
public sealed record UNet2DConditionConfig
{
    /// <summary>Gets the latent channels read (4 for SD1.5).</summary>
    public int InChannels { get; init; } = 4;

    /// <summary>Gets the channels predicted (4 for SD1.5).</summary>
    public int OutChannels { get; init; } = 4;

    /// <summary>Gets the channels per resolution level, from the finest: [320, 640, 1280, 1280] for SD1.5.</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [320, 640, 1280, 1280];

    /// <summary>Gets the kind of each down block, from the finest level; one per entry of the channels.</summary>
    public IReadOnlyList<UNetBlockKind> DownBlocks { get; init; } =
        [UNetBlockKind.CrossAttention, UNetBlockKind.CrossAttention, UNetBlockKind.CrossAttention, UNetBlockKind.Plain];

    /// <summary>Gets the kind of each up block, from the coarsest level; one per entry of the channels.</summary>
    public IReadOnlyList<UNetBlockKind> UpBlocks { get; init; } =
        [UNetBlockKind.Plain, UNetBlockKind.CrossAttention, UNetBlockKind.CrossAttention, UNetBlockKind.CrossAttention];

    /// <summary>Gets the residual blocks per down block (up blocks have one more): 2 for SD1.5.</summary>
    public int LayersPerBlock { get; init; } = 2;

    /// <summary>
    /// Gets the number of attention heads in every transformer: 8 for SD1.5. diffusers calls this field
    /// <c>attention_head_dim</c> but uses it as the head count; the head width is the block's channels divided by it.
    /// </summary>
    public int AttentionHeads { get; init; } = 8;

    /// <summary>Gets the width of the conditioning tokens that cross-attention reads: 768 for SD1.5.</summary>
    public int CrossAttentionDim { get; init; } = 768;

    /// <summary>Gets the group count of the residual and transformer group norms: 32 for SD1.5.</summary>
    public int NormGroups { get; init; } = 32;

    /// <summary>Gets the epsilon of the residual group norms (transformer group norms use 1e-6): 1e-5.</summary>
    public double NormEpsilon { get; init; } = 1e-5;

    /// <summary>Gets the runwayml/stable-diffusion-v1-5 UNet: 859,520,964 parameters in 686 tensors.</summary>
    public static UNet2DConditionConfig StableDiffusion15 { get; } = new();

    /// <summary>
    /// Gets the tiny UNet that diffusers' Stable Diffusion pipeline tests build (channels 4 and 8, one layer per
    /// block, 32-wide cross-attention, 2 norm groups): 18,464 parameters in 208 tensors.
    /// </summary>
    public static UNet2DConditionConfig TinyStableDiffusionTest { get; } = new()
    {
        BlockOutChannels = [4, 8],
        DownBlocks = [UNetBlockKind.Plain, UNetBlockKind.CrossAttention],
        UpBlocks = [UNetBlockKind.CrossAttention, UNetBlockKind.Plain],
        LayersPerBlock = 1,
        CrossAttentionDim = 32,
        NormGroups = 2,
    };

    /// <summary>
    /// Gets the tiny UNet that diffusers' ControlNet pipeline tests build (as
    /// <see cref="TinyStableDiffusionTest"/> but two layers per block and one norm group): 26,732 parameters in 304
    /// tensors. It pairs with <see cref="ControlNetConfig.TinyTest"/>.
    /// </summary>
    public static UNet2DConditionConfig TinyControlNetTest { get; } = TinyStableDiffusionTest with
    {
        LayersPerBlock = 2,
        NormGroups = 1,
    };

    /// <summary>Gets the width of the time embedding: four times the first block's channels.</summary>
    public int TimeEmbeddingDim => BlockOutChannels[0] * 4;

    /// <summary>Checks that the fields describe a buildable network.</summary>
    /// <exception cref="ArgumentException">
    /// A count or width is not positive, the block lists differ in length from the channels, or a width is not
    /// divisible by the group count or (in attention blocks) by the head count.
    /// </exception>
    public void Validate()
    {
        Require(InChannels > 0 && OutChannels > 0, "channel counts must be positive");
        Require(BlockOutChannels is { Count: > 0 }, "at least one block is needed");
        Require(DownBlocks.Count == BlockOutChannels.Count, "DownBlocks needs one entry per block");
        Require(UpBlocks.Count == BlockOutChannels.Count, "UpBlocks needs one entry per block");
        Require(LayersPerBlock > 0 && AttentionHeads > 0 && CrossAttentionDim > 0, "counts must be positive");
        Require(NormGroups > 0 && NormEpsilon > 0, "norm groups and epsilon must be positive");
        Require(BlockOutChannels.All(width => width > 0 && width % NormGroups == 0), "widths must divide into groups");
        var attentionWidths = BlockOutChannels
            .Where((_, index) => DownBlocks[index] == UNetBlockKind.CrossAttention
                || UpBlocks[BlockOutChannels.Count - 1 - index] == UNetBlockKind.CrossAttention)
            .Append(BlockOutChannels[^1]);
        Require(
            attentionWidths.All(width => width % AttentionHeads == 0 && width >= AttentionHeads),
            "attention widths must divide into the heads");
    }

    private void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid UNet config: {problem} ({this}).");
        }
    }
}
