using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The Stable Diffusion 1.5 denoising UNet (diffusers' <c>UNet2DConditionModel</c>) in TorchSharp. It predicts the
/// noise in a latent batch at a timestep, conditioned on context tokens through cross-attention.
/// </summary>
/// <remarks>
/// <para>
/// <c>named_parameters()</c> yields exactly the diffusers state-dict keys, in <c>state_dict()</c> order, with the
/// same shapes, so diffusers checkpoints load with <see cref="DiffusionWeights"/>.
/// </para>
/// <para>
/// The module owns native memory: dispose it when done. Parameters are float32 on the construction device until
/// moved with <c>to(...)</c>. Built on the <c>meta</c> device it allocates nothing and can only be described.
/// </para>
/// </remarks>
public sealed class UNet2DConditionModel : nn.Module
{
    private readonly Conv2d _convIn;
    private readonly TimestepEmbedding _timeEmbedding;
    private readonly UNetDownBlock[] _downBlocks;
    private readonly UNetUpBlock[] _upBlocks;
    private readonly UNetMidBlock _midBlock;
    private readonly GroupNorm _normOut;
    private readonly Conv2d _convOut;

    /// <summary>Builds a UNet with freshly initialized weights (PyTorch's default initialization).</summary>
    /// <param name="config">The shape; null means <see cref="UNet2DConditionConfig.StableDiffusion15"/>.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public UNet2DConditionModel(UNet2DConditionConfig? config = null, Device? device = null)
        : base(DiffusionNetworks.Prepare(nameof(UNet2DConditionModel)))
    {
        Config = config ?? UNet2DConditionConfig.StableDiffusion15;
        Config.Validate();
        device ??= CPU;
        var channels = Config.BlockOutChannels;

        _convIn = Layers.Conv(Config.InChannels, channels[0], 3, device, padding: 1);
        _timeEmbedding = new TimestepEmbedding(channels[0], Config.TimeEmbeddingDim, device);
        _downBlocks = UNetEncoderParts.DownBlocks(Config, device);
        _upBlocks = BuildUpBlocks(Config, device);
        _midBlock = new UNetMidBlock(Config, device);
        _normOut = Layers.GroupNorm(Config.NormGroups, channels[0], Config.NormEpsilon, device);
        _convOut = Layers.Conv(channels[0], Config.OutChannels, 3, device, padding: 1);

        // Registration order is diffusers' state_dict() order (the mid block is assigned after the up-block list).
        register_module("conv_in", _convIn);
        register_module("time_embedding", _timeEmbedding);
        register_module("down_blocks", new ModuleList<UNetDownBlock>(_downBlocks));
        register_module("up_blocks", new ModuleList<UNetUpBlock>(_upBlocks));
        register_module("mid_block", _midBlock);
        register_module("conv_norm_out", _normOut);
        register_module("conv_out", _convOut);
    }

    /// <summary>Gets the shape of this network.</summary>
    public UNet2DConditionConfig Config { get; }

    /// <summary>
    /// Predicts the noise in <paramref name="sample"/>.
    /// </summary>
    /// <param name="sample">Latents [B, in, H, W]; H and W must be multiples of 2^(levels - 1) (8 for SD1.5).</param>
    /// <param name="timestep">A scalar (or one-element) timestep for the whole batch, or one per sample [B].</param>
    /// <param name="encoderHiddenStates">Context tokens [B, M, cross-attention width] (M is free: 77 text tokens,
    /// 64 image tokens, ...).</param>
    /// <param name="controlNetResiduals">Optional ControlNet output to add to the skip connections and to the mid
    /// block output; residuals of zeros leave the prediction unchanged.</param>
    /// <returns>The prediction [B, out, H, W] in the parameters' dtype; the caller owns it (it joins the caller's
    /// dispose scope, if any), and intermediates are freed before returning.</returns>
    /// <exception cref="ArgumentException">A shape is not as described, or the residual count differs from the skip
    /// connection count.</exception>
    public Tensor Forward(
        Tensor sample,
        Tensor timestep,
        Tensor encoderHiddenStates,
        ControlNetResiduals? controlNetResiduals = null)
    {
        ArgumentNullException.ThrowIfNull(timestep);
        UNetEncoderParts.ValidateInputs(Config, sample, encoderHiddenStates);
        var skipCount = UNetEncoderParts.SkipCount(Config);
        if (controlNetResiduals is not null && controlNetResiduals.DownBlockResiduals.Count != skipCount)
        {
            throw new ArgumentException(
                $"The ControlNet gives {controlNetResiduals.DownBlockResiduals.Count} down-block residuals; this "
                + $"UNet has {skipCount} skip connections.",
                nameof(controlNetResiduals));
        }

        using var scope = NewDisposeScope();
        var timeEmbedding = _timeEmbedding.Forward(timestep, sample.shape[0], sample.dtype);
        var hidden = _convIn.forward(sample);
        var skips = new List<Tensor>(skipCount) { hidden };
        foreach (var block in _downBlocks)
        {
            hidden = block.Forward(hidden, timeEmbedding, encoderHiddenStates, skips);
        }

        if (controlNetResiduals is not null)
        {
            for (var index = 0; index < skips.Count; index++)
            {
                skips[index] = skips[index] + controlNetResiduals.DownBlockResiduals[index];
            }
        }

        hidden = _midBlock.Forward(hidden, timeEmbedding, encoderHiddenStates);
        if (controlNetResiduals is not null)
        {
            hidden = hidden + controlNetResiduals.MidBlockResidual;
        }

        foreach (var block in _upBlocks)
        {
            hidden = block.Forward(hidden, skips, timeEmbedding, encoderHiddenStates);
        }

        var result = _convOut.forward(nn.functional.silu(_normOut.forward(hidden)));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Lists the parameter names and shapes of a UNet with this config without allocating any weights.
    /// </summary>
    /// <param name="config">The shape; null means <see cref="UNet2DConditionConfig.StableDiffusion15"/>.</param>
    /// <returns>The parameters in <c>state_dict()</c> order.</returns>
    public static IReadOnlyList<ParameterShape> Describe(UNet2DConditionConfig? config = null)
    {
        using var meta = new UNet2DConditionModel(config, DiffusionNetworks.Meta);
        return ParameterShape.Of(meta);
    }

    private static UNetUpBlock[] BuildUpBlocks(UNet2DConditionConfig config, Device device)
    {
        var reversed = config.BlockOutChannels.Reverse().ToArray();
        var blocks = new UNetUpBlock[reversed.Length];
        var output = reversed[0];
        for (var index = 0; index < blocks.Length; index++)
        {
            var previousOutput = output;
            output = reversed[index];
            var input = reversed[Math.Min(index + 1, reversed.Length - 1)];
            blocks[index] = new UNetUpBlock(
                input,
                previousOutput,
                output,
                config.LayersPerBlock + 1,
                config.TimeEmbeddingDim,
                config.UpBlocks[index] == UNetBlockKind.CrossAttention ? config.AttentionHeads : null,
                config.CrossAttentionDim,
                config.NormGroups,
                config.NormEpsilon,
                addUpsample: index < blocks.Length - 1,
                device);
        }

        return blocks;
    }
}
