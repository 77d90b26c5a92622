namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>The sampling schedulers that <see cref="DiffusionSampler"/> can run.</summary>
public enum SchedulerKind
{
    /// <summary>The ancestral Euler sampler (<see cref="EulerAncestralScheduler"/>), as TinyBeauty samples.</summary>
    EulerAncestral,

    /// <summary>Deterministic DDIM with eta = 0 (<see cref="DdimScheduler"/>).</summary>
    Ddim,
}
