using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// Predicts the noise (epsilon) in latents at a timestep: the role of the Stable Diffusion UNet together with its
/// conditioning (text or image tokens, ControlNet residuals, LoRA scale), which the delegate captures.
/// </summary>
/// <param name="latents">
/// The model input [N, C, h, w]: the current latents already passed through
/// <see cref="DiffusionScheduler.ScaleModelInput"/>. The predictor must not modify or dispose it.
/// </param>
/// <param name="timestep">A 0-dimensional float32 tensor on the latents' device holding the training timestep.</param>
/// <returns>
/// The predicted noise, the shape of <paramref name="latents"/>, as a new tensor. The sampler disposes it (and every
/// other tensor created during the step) when the step ends.
/// </returns>
public delegate Tensor NoisePredictor(Tensor latents, Tensor timestep);
