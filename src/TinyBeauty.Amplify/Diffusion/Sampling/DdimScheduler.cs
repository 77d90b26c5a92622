using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// Deterministic DDIM sampling (eta = 0) for noise-predicting (epsilon) models, with diffusers' leading timestep
/// spacing.
/// </summary>
/// <remarks>
/// <para>
/// One step from timestep t to t' = t - r (r = <see cref="DiffusionScheduler.StepRatio"/>) computes
/// x0 = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t) and x_t' = sqrt(a_t') * x0 + sqrt(1 - a_t') * eps, where a is
/// alpha-bar. When t' &lt; 0 (the last step) a_t' is alpha-bar_0, as with <c>set_alpha_to_one</c> false in Stable
/// Diffusion 1.5's config. The predicted x0 is not clipped. Only eta = 0 is implemented: no noise is added, so the
/// generator passed to <see cref="Step"/> is ignored.
/// </para>
/// </remarks>
public sealed class DdimScheduler : DiffusionScheduler
{
    /// <summary>Creates a DDIM scheduler.</summary>
    /// <param name="schedule">The training noise schedule.</param>
    /// <param name="stepCount">The number of inference steps, at least 1.</param>
    /// <param name="stepsOffset">The timestep offset; 1 for Stable Diffusion 1.5.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step count or offset is out of range.</exception>
    public DdimScheduler(NoiseSchedule schedule, int stepCount, int stepsOffset = 1)
        : base(schedule, stepCount, stepsOffset)
    {
    }

    /// <summary>Gets 1: DDIM starts from unscaled Gaussian noise.</summary>
    public override double InitialNoiseSigma => 1.0;

    /// <summary>
    /// Returns alpha-bar of the timestep reached after step index <paramref name="stepIndex"/>: alpha-bar_(t - r),
    /// or alpha-bar_0 when t - r is negative.
    /// </summary>
    /// <param name="stepIndex">The step index in [0, <see cref="DiffusionScheduler.StepCount"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The step index is out of range.</exception>
    public double PreviousAlphaCumulative(int stepIndex)
    {
        ValidateStepIndex(stepIndex, allowEnd: false);
        var previous = Timesteps[stepIndex] - StepRatio;
        return Schedule.AlphasCumulativeProduct[Math.Max(previous, 0)];
    }

    /// <inheritdoc />
    public override Tensor Step(Tensor noisePrediction, int stepIndex, Tensor sample, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ValidateSameShape(sample, noisePrediction, nameof(noisePrediction));
        ValidateStepIndex(stepIndex, allowEnd: false);

        var alphaBar = Schedule.AlphasCumulativeProduct[Timesteps[stepIndex]];
        var previousAlphaBar = PreviousAlphaCumulative(stepIndex);

        using var scope = NewDisposeScope();
        var predictedOriginal = (sample - (Math.Sqrt(1 - alphaBar) * noisePrediction)) / Math.Sqrt(alphaBar);
        var previous = (Math.Sqrt(previousAlphaBar) * predictedOriginal)
            + (Math.Sqrt(1 - previousAlphaBar) * noisePrediction);
        return previous.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Returns sqrt(a_t) * original + sqrt(1 - a_t) * noise for the timestep t of the step index, the forward
    /// process of DDPM; index <see cref="DiffusionScheduler.StepCount"/> returns a copy of the original.
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

        var alphaBar = Schedule.AlphasCumulativeProduct[Timesteps[stepIndex]];
        using var scope = NewDisposeScope();
        var noised = (Math.Sqrt(alphaBar) * original) + (Math.Sqrt(1 - alphaBar) * noise);
        return noised.MoveToOuterDisposeScope();
    }
}
