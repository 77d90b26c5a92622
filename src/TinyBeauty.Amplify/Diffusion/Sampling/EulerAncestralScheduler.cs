using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// The ancestral Euler sampler (k-diffusion's <c>euler_ancestral</c>, diffusers'
/// <c>EulerAncestralDiscreteScheduler</c>) for noise-predicting models, with leading timestep spacing. TinyBeauty
/// samples with this scheduler.
/// </summary>
/// <remarks>
/// <para>
/// Sigmas: sigma_k = sqrt((1 - a_t) / a_t) for the k-th timestep t (a is alpha-bar), followed by a final 0, so
/// <see cref="Sigmas"/> has n + 1 entries. The latents live at scale sqrt(sigma^2 + 1) relative to the model's input,
/// hence <see cref="ScaleModelInput"/> divides by it.
/// </para>
/// <para>
/// A step from sigma to sigma' predicts x0 = x - sigma * eps, splits sigma' into
/// sigma_up = sqrt(sigma'^2 * (sigma^2 - sigma'^2) / sigma^2) and sigma_down = sqrt(sigma'^2 - sigma_up^2), moves
/// deterministically to x + (x - x0) / sigma * (sigma_down - sigma) and then adds sigma_up times fresh standard
/// noise drawn from the generator (on the CPU, then moved to the sample's device). The last step (sigma' = 0) adds no
/// noise but still draws it, as diffusers does, so the generator advances once per step.
/// </para>
/// </remarks>
public sealed class EulerAncestralScheduler : DiffusionScheduler
{
    private readonly double[] _sigmas;

    /// <summary>Creates an ancestral Euler scheduler.</summary>
    /// <param name="schedule">The training noise schedule.</param>
    /// <param name="stepCount">The number of inference steps, at least 1.</param>
    /// <param name="stepsOffset">The timestep offset; 1 for Stable Diffusion 1.5.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step count or offset is out of range.</exception>
    public EulerAncestralScheduler(NoiseSchedule schedule, int stepCount, int stepsOffset = 1)
        : base(schedule, stepCount, stepsOffset)
    {
        _sigmas = new double[StepCount + 1];
        for (var index = 0; index < StepCount; index++)
        {
            _sigmas[index] = schedule.Sigma(Timesteps[index]);
        }
    }

    /// <summary>Gets sigma for every step index, followed by a final 0 (n + 1 values, decreasing).</summary>
    public IReadOnlyList<double> Sigmas => _sigmas;

    /// <summary>
    /// Gets sqrt(sigma_max^2 + 1), the scale of pure noise at the first step (diffusers' value for leading spacing).
    /// </summary>
    public override double InitialNoiseSigma => Math.Sqrt((_sigmas[0] * _sigmas[0]) + 1);

    /// <summary>Returns sample / sqrt(sigma_k^2 + 1).</summary>
    /// <inheritdoc />
    public override Tensor ScaleModelInput(Tensor sample, int stepIndex)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ValidateStepIndex(stepIndex, allowEnd: false);
        var sigma = _sigmas[stepIndex];
        return sample / Math.Sqrt((sigma * sigma) + 1);
    }

    /// <inheritdoc />
    public override Tensor Step(Tensor noisePrediction, int stepIndex, Tensor sample, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ValidateSameShape(sample, noisePrediction, nameof(noisePrediction));
        ValidateStepIndex(stepIndex, allowEnd: false);
        ArgumentNullException.ThrowIfNull(generator);

        var sigma = _sigmas[stepIndex];
        var sigmaNext = _sigmas[stepIndex + 1];
        var sigmaUp = Math.Sqrt(sigmaNext * sigmaNext * ((sigma * sigma) - (sigmaNext * sigmaNext)) / (sigma * sigma));
        var sigmaDown = Math.Sqrt(Math.Max((sigmaNext * sigmaNext) - (sigmaUp * sigmaUp), 0));

        using var scope = NewDisposeScope();

        // With x0 = x - sigma * eps, the derivative (x - x0) / sigma is eps itself.
        var deterministic = sample + (noisePrediction * (sigmaDown - sigma));
        var noise = SeededNoise.Like(sample, generator);
        var next = deterministic + (noise * sigmaUp);
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Returns original + sigma_k * noise, the latents' level before step index k; index
    /// <see cref="DiffusionScheduler.StepCount"/> (sigma 0) returns a copy of the original.
    /// </summary>
    /// <inheritdoc />
    public override Tensor AddNoise(Tensor original, Tensor noise, int stepIndex)
    {
        ArgumentNullException.ThrowIfNull(original);
        ValidateSameShape(original, noise, nameof(noise));
        ValidateStepIndex(stepIndex, allowEnd: true);
        if (stepIndex == StepCount)
        {
            return original.clone();
        }

        using var scope = NewDisposeScope();
        var noised = original + (noise * _sigmas[stepIndex]);
        return noised.MoveToOuterDisposeScope();
    }
}
