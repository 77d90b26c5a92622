using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The diagonal Gaussian that <see cref="AutoencoderKL.Encode"/> returns (diffusers'
/// <c>DiagonalGaussianDistribution</c>). Values are unscaled: multiply a sample by the config's scaling factor
/// before giving it to the UNet.
/// </summary>
/// <remarks>The instance owns its two tensors; <see cref="Dispose"/> frees them.</remarks>
public sealed class LatentDistribution : IDisposable
{
    internal LatentDistribution(Tensor mean, Tensor logVariance)
    {
        Mean = mean;
        LogVariance = logVariance;
    }

    /// <summary>Gets the mean [B, latent, h, w] (also the distribution's mode).</summary>
    public Tensor Mean { get; }

    /// <summary>Gets the log-variance [B, latent, h, w], clamped to [-30, 20] as diffusers does.</summary>
    public Tensor LogVariance { get; }

    /// <summary>Draws mean + exp(logvar / 2) x noise, with standard normal noise from the generator.</summary>
    /// <param name="generator">The noise source, for reproducible draws; null uses TorchSharp's global one. A
    /// generator must live on the CPU (the noise is drawn there and moved to the latents' device).</param>
    /// <returns>A new tensor [B, latent, h, w], owned by the caller.</returns>
    public Tensor Sample(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var noise = randn(Mean.shape, dtype: Mean.dtype, generator: generator).to(Mean.device);
        var result = Mean + ((LogVariance * 0.5).exp() * noise);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Mean.Dispose();
        LogVariance.Dispose();
    }
}
