using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Guidance;

/// <summary>One makeup style applied to one region in <see cref="ResidualDiffusionSynthesis.Compose"/>.</summary>
/// <param name="ConditionalOutput">F(x, c): the conditional branch's output for this style, [N, C, H, W].</param>
/// <param name="Mask">The soft region mask M in [0, 1], [N or 1, 1, H, W].</param>
/// <param name="StyleWeight">lambda_m for this region, or null for the options' value.</param>
public sealed record StyleRegion(Tensor ConditionalOutput, Tensor Mask, double? StyleWeight = null);
