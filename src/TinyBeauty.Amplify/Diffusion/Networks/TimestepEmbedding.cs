using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The UNet's time embedding: sinusoidal features of the timestep (cosines first, as SD1.5's
/// <c>flip_sin_to_cos</c>, frequency shift 0) through <c>linear_1</c>, SiLU and <c>linear_2</c>.
/// </summary>
internal sealed class TimestepEmbedding : nn.Module
{
    private readonly Linear _linear1;
    private readonly Linear _linear2;
    private readonly long _features;

    public TimestepEmbedding(long features, long width, Device device)
        : base(nameof(TimestepEmbedding))
    {
        _features = features;
        _linear1 = Layers.Linear(features, width, device);
        _linear2 = Layers.Linear(width, width, device);
        register_module("linear_1", _linear1);
        register_module("linear_2", _linear2);
    }

    /// <summary>
    /// Embeds the timesteps for a batch: a scalar or one-element tensor is used for every sample, otherwise one
    /// timestep per sample. The result is [B, width] in <paramref name="dtype"/>.
    /// </summary>
    public Tensor Forward(Tensor timestep, long batch, ScalarType dtype)
    {
        var steps = timestep.to_type(ScalarType.Float32).reshape(-1);
        if (steps.shape[0] == 1)
        {
            steps = steps.expand(batch);
        }
        else if (steps.shape[0] != batch)
        {
            throw new ArgumentException(
                $"The timestep has {steps.shape[0]} values; expected 1 or one per sample ({batch}).",
                nameof(timestep));
        }

        var features = Sinusoids(steps, _features).to_type(dtype);
        return _linear2.forward(nn.functional.silu(_linear1.forward(features)));
    }

    /// <summary>
    /// diffusers' <c>get_timestep_embedding</c> with <c>flip_sin_to_cos</c> true and shift 0: for frequency
    /// exp(-ln(10000) i / half), i in [0, half), the cosines followed by the sines.
    /// </summary>
    internal static Tensor Sinusoids(Tensor steps, long features)
    {
        var half = features / 2;
        var exponent = arange(0, half, dtype: ScalarType.Float32, device: steps.device) * (-Math.Log(10000.0) / half);
        var angles = steps.unsqueeze(1) * exponent.exp().unsqueeze(0);
        return cat([angles.cos(), angles.sin()], 1);
    }
}
