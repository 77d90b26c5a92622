namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>Settings of a <see cref="DiffusionSampler"/> run.</summary>
public sealed record DiffusionSamplerOptions
{
    /// <summary>Gets the scheduler kind; default <see cref="SchedulerKind.EulerAncestral"/>.</summary>
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.EulerAncestral;

    /// <summary>Gets the training noise schedule; default <see cref="NoiseSchedule.StableDiffusion15"/>.</summary>
    public NoiseSchedule Schedule { get; init; } = NoiseSchedule.StableDiffusion15;

    /// <summary>Gets the number of inference steps of the full schedule, at least 1; default 50.</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Gets the timestep offset (<c>steps_offset</c>); default 1, as in Stable Diffusion 1.5.</summary>
    public int StepsOffset { get; init; } = 1;

    /// <summary>
    /// Gets the img2img strength in [0, 1]: the fraction of the schedule that runs, from the noisiest kept timestep
    /// (see <see cref="DiffusionScheduler.FirstStepForStrength"/>); default 1 (every step). 0 returns the start
    /// latents unchanged.
    /// </summary>
    public double Strength { get; init; } = 1.0;

    /// <summary>
    /// Gets the classifier-free guidance scale, finite and at least 0; default 1 (no guidance). It only applies when
    /// an unconditional predictor is passed to <see cref="DiffusionSampler.Sample"/>, and 1 skips that predictor.
    /// </summary>
    public double GuidanceScale { get; init; } = 1.0;

    /// <summary>Gets the seed of the CPU generator that draws the start noise and the ancestral noise.</summary>
    public long Seed { get; init; }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    /// <exception cref="ArgumentNullException">The schedule is null.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        if (!Enum.IsDefined(Scheduler))
        {
            throw new ArgumentOutOfRangeException(nameof(Scheduler), Scheduler, "Unknown scheduler.");
        }

        DiffusionScheduler.LeadingTimesteps(Schedule.TrainTimesteps, Steps, StepsOffset);
        if (!(Strength >= 0 && Strength <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "The strength must lie in [0, 1].");
        }

        if (!(double.IsFinite(GuidanceScale) && GuidanceScale >= 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(GuidanceScale), GuidanceScale, "The guidance scale must be finite and at least 0.");
        }
    }

    /// <summary>Creates the scheduler these options describe.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public DiffusionScheduler CreateScheduler()
    {
        Validate();
        return Scheduler == SchedulerKind.Ddim
            ? new DdimScheduler(Schedule, Steps, StepsOffset)
            : new EulerAncestralScheduler(Schedule, Steps, StepsOffset);
    }
}
