using TinyBeauty.Amplify.Diffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Lora;

/// <summary>
/// A frozen linear layer with a trainable low-rank update: y = W x + b + scale * up(down(x)), where down maps the
/// input to <see cref="Rank"/> features and up maps them back to the output width (both without bias).
/// </summary>
/// <remarks>
/// <para>
/// The layer takes over the base layer's own <c>weight</c> and <c>bias</c> parameters (the same tensors, not copies)
/// and freezes them, so its state dictionary reads <c>weight</c>, <c>bias</c>, <c>lora.down.weight</c> and
/// <c>lora.up.weight</c>: a module tree keeps its base keys after injection, and the LoRA keys are diffusers'
/// <c>lora_layer</c> form.
/// </para>
/// <para>
/// Initialisation follows diffusers' LoRA layers: down ~ Normal(0, 1 / rank), up = 0, so a fresh layer computes
/// exactly what the base layer computes. The LoRA weights are created with the base weight's dtype and device.
/// </para>
/// </remarks>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    /// <summary>The default rank, as in TinyBeauty's fine-tuning (diffusers' default).</summary>
    public const int DefaultRank = 4;

    // Field names are the state-dictionary keys, so they break the _camelCase rule on purpose.
#pragma warning disable IDE1006
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly LoraPair lora;
#pragma warning restore IDE1006

    private double _scale = 1.0;

    /// <summary>Wraps a linear layer.</summary>
    /// <param name="baseLayer">The layer to adapt; its parameters are frozen (requires_grad false).</param>
    /// <param name="rank">The rank of the update, from 1 to min(in, out); default 4.</param>
    /// <param name="generator">
    /// Optional CPU generator for the down-projection's initial values, for reproducible training; null uses
    /// TorchSharp's global generator.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="baseLayer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rank is below 1 or above min(in, out).</exception>
    public LoraLinear(Linear baseLayer, int rank = DefaultRank, Generator? generator = null)
        : base(nameof(LoraLinear))
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        var baseWeight = baseLayer.weight
            ?? throw new ArgumentException("The base layer has no weight.", nameof(baseLayer));
        var outFeatures = baseWeight.shape[0];
        var inFeatures = baseWeight.shape[1];
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rank, Math.Min(inFeatures, outFeatures));

        weight = baseWeight;
        bias = baseLayer.bias;
        weight.requires_grad = false;
        if (bias is not null)
        {
            bias.requires_grad = false;
        }

        lora = new LoraPair(inFeatures, outFeatures, rank, generator, baseWeight.dtype, baseWeight.device);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Rank = rank;
        RegisterComponents();
    }

    /// <summary>Gets the input width.</summary>
    public long InFeatures { get; }

    /// <summary>Gets the output width.</summary>
    public long OutFeatures { get; }

    /// <summary>Gets the rank of the update.</summary>
    public int Rank { get; }

    /// <summary>
    /// Gets or sets the factor of the low-rank update; default 1. 0 gives the base layer exactly. TinyBeauty samples
    /// with 0.8 (unconditional branch) and 0.9 (conditional branch).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is not finite.</exception>
    public double Scale
    {
        get => _scale;
        set
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The LoRA scale must be finite.");
            }

            _scale = value;
        }
    }

    /// <summary>Gets the down-projection weight [rank, in] (diffusers' <c>down</c>, PEFT's <c>lora_A</c>).</summary>
    public Parameter DownWeight => lora.DownWeight;

    /// <summary>Gets the up-projection weight [out, rank] (diffusers' <c>up</c>, PEFT's <c>lora_B</c>).</summary>
    public Parameter UpWeight => lora.UpWeight;

    /// <summary>Computes x W^T + b + scale * up(down(x)).</summary>
    /// <param name="input">A tensor [..., in] on the layer's device.</param>
    /// <returns>A tensor [..., out], owned by the caller.</returns>
    /// <exception cref="ArgumentException">The last dimension is not the input width.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() == 0 || input.shape[^1] != InFeatures)
        {
            throw new ArgumentException(
                $"Expected an input [..., {InFeatures}], got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        if (_scale == 0)
        {
            return nn.functional.linear(input, weight, bias);
        }

        using var scope = NewDisposeScope();
        var result = nn.functional.linear(input, weight, bias) + (lora.forward(input) * _scale);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The down and up projections, registered as <c>lora.down</c> and <c>lora.up</c>.</summary>
    private sealed class LoraPair : nn.Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        private readonly Linear down;
        private readonly Linear up;
#pragma warning restore IDE1006

        public LoraPair(
            long inFeatures,
            long outFeatures,
            int rank,
            Generator? generator,
            ScalarType type,
            Device device)
            : base(nameof(LoraPair))
        {
            down = nn.Linear(inFeatures, rank, hasBias: false, device: device, dtype: type);
            up = nn.Linear(rank, outFeatures, hasBias: false, device: device, dtype: type);
            using (no_grad())
            {
                if (generator is null)
                {
                    nn.init.normal_(down.weight, 0, 1.0 / rank);
                }
                else
                {
                    SeededNoise.ValidateGenerator(generator, nameof(generator));
                    using var values = randn([rank, inFeatures], ScalarType.Float32, CPU, generator: generator);
                    down.weight!.copy_(values.mul(1.0 / rank));
                }

                up.weight!.zero_();
            }

            RegisterComponents();
        }

        public Parameter DownWeight => down.weight!;

        public Parameter UpWeight => up.weight!;

        public override Tensor forward(Tensor input)
        {
            using var hidden = down.forward(input);
            return up.forward(hidden);
        }
    }
}
