using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The Stable Diffusion 1.5 ControlNet (diffusers' <c>ControlNetModel</c>) in TorchSharp: a copy of the UNet's
/// encoder half that also reads a conditioning image (for example Canny edges) and returns residuals for the UNet's
/// skip connections and mid block.
/// </summary>
/// <remarks>
/// <para>
/// <c>named_parameters()</c> yields exactly the diffusers state-dict keys, in <c>state_dict()</c> order. Fresh
/// networks have zero output convolutions (<c>controlnet_cond_embedding.conv_out</c>,
/// <c>controlnet_down_blocks.*</c>, <c>controlnet_mid_block</c>), as diffusers initializes them, so their residuals
/// are zero until weights are loaded.
/// </para>
/// <para>The module owns native memory: dispose it when done.</para>
/// </remarks>
public sealed class ControlNetModel : nn.Module
{
    private readonly Conv2d _convIn;
    private readonly TimestepEmbedding _timeEmbedding;
    private readonly ControlNetConditioningEmbedding _conditioningEmbedding;
    private readonly UNetDownBlock[] _downBlocks;
    private readonly Conv2d[] _downOutputs;
    private readonly Conv2d _midOutput;
    private readonly UNetMidBlock _midBlock;

    /// <summary>Builds a ControlNet with freshly initialized weights.</summary>
    /// <param name="config">The shape; null means <see cref="ControlNetConfig.StableDiffusion15"/>.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public ControlNetModel(ControlNetConfig? config = null, Device? device = null)
        : base(DiffusionNetworks.Prepare(nameof(ControlNetModel)))
    {
        Config = config ?? ControlNetConfig.StableDiffusion15;
        Config.Validate();
        device ??= CPU;
        var unet = Config.UNet;

        _convIn = Layers.Conv(unet.InChannels, unet.BlockOutChannels[0], 3, device, padding: 1);
        _timeEmbedding = new TimestepEmbedding(unet.BlockOutChannels[0], unet.TimeEmbeddingDim, device);
        _conditioningEmbedding = new ControlNetConditioningEmbedding(Config, device);
        _downBlocks = UNetEncoderParts.DownBlocks(unet, device);
        _downOutputs = SkipWidths(unet)
            .Select(width => Layers.Zeroed(Layers.Conv(width, width, 1, device)))
            .ToArray();
        _midOutput = Layers.Zeroed(Layers.Conv(unet.BlockOutChannels[^1], unet.BlockOutChannels[^1], 1, device));
        _midBlock = new UNetMidBlock(unet, device);

        register_module("conv_in", _convIn);
        register_module("time_embedding", _timeEmbedding);
        register_module("controlnet_cond_embedding", _conditioningEmbedding);
        register_module("down_blocks", new ModuleList<UNetDownBlock>(_downBlocks));
        register_module("controlnet_down_blocks", new ModuleList<Conv2d>(_downOutputs));
        register_module("controlnet_mid_block", _midOutput);
        register_module("mid_block", _midBlock);
    }

    /// <summary>Gets the shape of this network.</summary>
    public ControlNetConfig Config { get; }

    /// <summary>Computes the residuals for a UNet step.</summary>
    /// <param name="sample">Latents [B, in, H, W], as given to the UNet.</param>
    /// <param name="timestep">The UNet's timestep: a scalar or one per sample.</param>
    /// <param name="encoderHiddenStates">The UNet's context tokens [B, M, cross-attention width].</param>
    /// <param name="condition">The conditioning image [B, channels, H x f, W x f] with f =
    /// <see cref="ControlNetConfig.ConditioningScaleFactor"/> (8 for SD1.5), values in [0, 1].</param>
    /// <param name="conditioningScale">Multiplies every residual (diffusers' <c>controlnet_conditioning_scale</c>);
    /// 1 by default, 0 turns the control off.</param>
    /// <returns>The residuals, owned by the caller (and not placed in any dispose scope).</returns>
    /// <exception cref="ArgumentException">A shape is not as described.</exception>
    public ControlNetResiduals Forward(
        Tensor sample,
        Tensor timestep,
        Tensor encoderHiddenStates,
        Tensor condition,
        double conditioningScale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(timestep);
        ArgumentNullException.ThrowIfNull(condition);
        UNetEncoderParts.ValidateInputs(Config.UNet, sample, encoderHiddenStates);
        var factor = Config.ConditioningScaleFactor;
        var expected = new[] { sample.shape[0], Config.ConditioningChannels, sample.shape[2] * factor,
            sample.shape[3] * factor };
        if (!condition.shape.SequenceEqual(expected))
        {
            throw new ArgumentException(
                $"The condition has shape [{string.Join(", ", condition.shape)}]; expected "
                + $"[{string.Join(", ", expected)}].",
                nameof(condition));
        }

        using var scope = NewDisposeScope();
        var timeEmbedding = _timeEmbedding.Forward(timestep, sample.shape[0], sample.dtype);
        var hidden = _convIn.forward(sample) + _conditioningEmbedding.Forward(condition.to_type(sample.dtype));
        var skips = new List<Tensor> { hidden };
        foreach (var block in _downBlocks)
        {
            hidden = block.Forward(hidden, timeEmbedding, encoderHiddenStates, skips);
        }

        hidden = _midBlock.Forward(hidden, timeEmbedding, encoderHiddenStates);
        var down = skips
            .Select((skip, index) => (_downOutputs[index].forward(skip) * conditioningScale).DetachFromDisposeScope())
            .ToArray();
        var mid = (_midOutput.forward(hidden) * conditioningScale).DetachFromDisposeScope();
        return new ControlNetResiduals(down, mid);
    }

    /// <summary>Lists the parameter names and shapes of a ControlNet with this config without allocating weights.
    /// </summary>
    /// <param name="config">The shape; null means <see cref="ControlNetConfig.StableDiffusion15"/>.</param>
    /// <returns>The parameters in <c>state_dict()</c> order.</returns>
    public static IReadOnlyList<ParameterShape> Describe(ControlNetConfig? config = null)
    {
        using var meta = new ControlNetModel(config, DiffusionNetworks.Meta);
        return ParameterShape.Of(meta);
    }

    private static IEnumerable<long> SkipWidths(UNet2DConditionConfig config)
    {
        yield return config.BlockOutChannels[0];
        for (var index = 0; index < config.BlockOutChannels.Count; index++)
        {
            for (var layer = 0; layer < config.LayersPerBlock; layer++)
            {
                yield return config.BlockOutChannels[index];
            }

            if (index < config.BlockOutChannels.Count - 1)
            {
                yield return config.BlockOutChannels[index];
            }
        }
    }
}
