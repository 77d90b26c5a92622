using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>What <see cref="DiffusionSampler"/> reports after each step.</summary>
/// <param name="Step">The number of steps done so far, from 1 to <paramref name="StepCount"/>.</param>
/// <param name="StepCount">The number of steps this run performs (after the strength has dropped the first ones).
/// </param>
/// <param name="Timestep">The training timestep of the step just done.</param>
/// <param name="Latents">
/// The latents after the step (and after the mask blend, if any). The tensor is the sampler's: it is valid only during
/// the callback; clone it to keep it.
/// </param>
public readonly record struct SamplingProgress(int Step, int StepCount, int Timestep, Tensor Latents);
