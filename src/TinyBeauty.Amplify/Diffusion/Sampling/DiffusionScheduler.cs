using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// A sampling scheduler configured for a fixed number of inference steps: it chooses which training timesteps the
/// sampler visits and turns a noise prediction into the latents of the next step.
/// </summary>
/// <remarks>
/// <para>
/// Timesteps use diffusers' "leading" spacing with an offset, as Stable Diffusion 1.5's scheduler config asks
/// (<c>steps_offset</c> 1): with r = T / n (integer division) the timesteps are (n - 1 - k) * r + offset for
/// k = 0 .. n - 1, largest first. For T = 1000 and offset 1, 10 steps give 901, 801, ..., 1 and 50 steps give
/// 981, 961, ..., 1.
/// </para>
/// <para>
/// A step index k names the k-th timestep of <see cref="Timesteps"/>; the index <see cref="StepCount"/> means
/// "after the last step", where the latents are clean. Schedulers are immutable and hold no tensors; random
/// numbers come from the <see cref="Generator"/> passed to <see cref="Step"/>.
/// </para>
/// </remarks>
public abstract class DiffusionScheduler
{
    private readonly int[] _timesteps;

    /// <summary>Sets the schedule and computes the leading timesteps.</summary>
    /// <param name="schedule">The training noise schedule.</param>
    /// <param name="stepCount">The number of inference steps n, at least 1.</param>
    /// <param name="stepsOffset">The offset added to every timestep (1 for Stable Diffusion 1.5), at least 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The step count or offset is negative or so large that a timestep would reach T.
    /// </exception>
    private protected DiffusionScheduler(NoiseSchedule schedule, int stepCount, int stepsOffset)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _timesteps = LeadingTimesteps(schedule.TrainTimesteps, stepCount, stepsOffset);
        Schedule = schedule;
        StepRatio = schedule.TrainTimesteps / stepCount;
    }

    /// <summary>Gets the training noise schedule.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>Gets the number of inference steps n.</summary>
    public int StepCount => _timesteps.Length;

    /// <summary>Gets r = T / n (integer division), the distance between consecutive timesteps.</summary>
    public int StepRatio { get; }

    /// <summary>Gets the training timesteps visited, largest first.</summary>
    public IReadOnlyList<int> Timesteps => _timesteps;

    /// <summary>
    /// Gets the factor by which pure Gaussian noise is multiplied to start sampling from scratch (1 for DDIM).
    /// </summary>
    public abstract double InitialNoiseSigma { get; }

    /// <summary>
    /// Computes the leading timesteps (n - 1 - k) * (T / n) + offset, k = 0 .. n - 1.
    /// </summary>
    /// <param name="trainTimesteps">T, the number of training timesteps.</param>
    /// <param name="stepCount">n, at least 1.</param>
    /// <param name="stepsOffset">The offset, at least 0.</param>
    /// <returns>The n timesteps, largest first.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// n is below 1 or above T, the offset is negative, or the largest timestep would not be below T.
    /// </exception>
    public static int[] LeadingTimesteps(int trainTimesteps, int stepCount, int stepsOffset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stepCount, trainTimesteps);
        ArgumentOutOfRangeException.ThrowIfNegative(stepsOffset);

        var ratio = trainTimesteps / stepCount;
        var largest = ((stepCount - 1) * ratio) + stepsOffset;
        if (largest >= trainTimesteps)
        {
            throw new ArgumentOutOfRangeException(
                nameof(stepCount),
                stepCount,
                $"With offset {stepsOffset}, {stepCount} steps would reach timestep {largest}, "
                + $"beyond the last training timestep {trainTimesteps - 1}.");
        }

        var timesteps = new int[stepCount];
        for (var index = 0; index < stepCount; index++)
        {
            timesteps[index] = ((stepCount - 1 - index) * ratio) + stepsOffset;
        }

        return timesteps;
    }

    /// <summary>
    /// Returns the first step index that img2img runs for a strength, as diffusers' img2img pipeline does: with
    /// kept = min(floor(n * strength), n), sampling starts at index n - kept, so only the last kept timesteps run.
    /// For example strength 0.3 with 10 steps keeps timesteps 201, 101 and 1 and starts at index 7.
    /// </summary>
    /// <param name="strength">How much of the schedule to run, in [0, 1]; 1 runs every step, 0 none.</param>
    /// <returns>The start index in [0, <see cref="StepCount"/>]; <see cref="StepCount"/> means no step runs.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The strength is outside [0, 1] or not a number.</exception>
    public int FirstStepForStrength(double strength)
    {
        if (!(strength >= 0 && strength <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(strength), strength, "The strength must lie in [0, 1].");
        }

        var kept = Math.Min((int)(StepCount * strength), StepCount);
        return StepCount - kept;
    }

    /// <summary>
    /// Scales the latents before they go to the noise predictor. The default returns them unchanged (as a new
    /// tensor handle); Euler schedulers divide by sqrt(sigma^2 + 1).
    /// </summary>
    /// <param name="sample">The current latents.</param>
    /// <param name="stepIndex">The step index in [0, <see cref="StepCount"/>).</param>
    /// <returns>A tensor owned by the caller.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sample"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step index is out of range.</exception>
    public virtual Tensor ScaleModelInput(Tensor sample, int stepIndex)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ValidateStepIndex(stepIndex, allowEnd: false);
        return sample.alias();
    }

    /// <summary>
    /// Advances the latents from step index <paramref name="stepIndex"/> to the next one.
    /// </summary>
    /// <param name="noisePrediction">The predicted noise (epsilon), the shape of <paramref name="sample"/>.</param>
    /// <param name="stepIndex">The step index in [0, <see cref="StepCount"/>).</param>
    /// <param name="sample">The current latents.</param>
    /// <param name="generator">
    /// The CPU generator for stochastic schedulers (ignored by deterministic ones); noise is drawn on the CPU and
    /// moved to the sample's device, so a seed gives the same numbers on every device.
    /// </param>
    /// <returns>The latents of the next step, owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null, or the generator is null for a stochastic scheduler.
    /// </exception>
    /// <exception cref="ArgumentException">The prediction and sample shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step index is out of range.</exception>
    public abstract Tensor Step(Tensor noisePrediction, int stepIndex, Tensor sample, Generator? generator);

    /// <summary>
    /// Noises clean latents to the level of step index <paramref name="stepIndex"/>, the level the sampler's
    /// latents have before that step runs; index <see cref="StepCount"/> returns a copy of the clean latents.
    /// </summary>
    /// <param name="original">The clean latents.</param>
    /// <param name="noise">Standard Gaussian noise of the same shape.</param>
    /// <param name="stepIndex">The step index in [0, <see cref="StepCount"/>].</param>
    /// <returns>The noised latents, owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step index is out of range.</exception>
    public abstract Tensor AddNoise(Tensor original, Tensor noise, int stepIndex);

    /// <summary>Throws when a step index is outside [0, n) or, with <paramref name="allowEnd"/>, [0, n].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is out of range.</exception>
    private protected void ValidateStepIndex(int stepIndex, bool allowEnd)
    {
        var limit = allowEnd ? StepCount + 1 : StepCount;
        if ((uint)stepIndex >= (uint)limit)
        {
            throw new ArgumentOutOfRangeException(
                nameof(stepIndex), stepIndex, $"The step index must lie in [0, {limit}).");
        }
    }

    /// <summary>Throws when two tensors that must have the same shape do not.</summary>
    /// <exception cref="ArgumentException">The shapes differ; the message gives both.</exception>
    private protected static void ValidateSameShape(Tensor expected, Tensor actual, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual, parameterName);
        if (!expected.shape.AsSpan().SequenceEqual(actual.shape))
        {
            throw new ArgumentException(
                $"Expected shape [{string.Join(", ", expected.shape)}], got [{string.Join(", ", actual.shape)}].",
                parameterName);
        }
    }
}
