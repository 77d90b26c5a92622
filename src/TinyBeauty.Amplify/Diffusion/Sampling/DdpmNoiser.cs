using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// The DDPM forward process used for training a noise predictor: it picks random timesteps and noises clean latents
/// to them, x_t = sqrt(a_t) * x_0 + sqrt(1 - a_t) * eps, where a is alpha-bar.
/// </summary>
/// <remarks>
/// Every random draw takes an explicit CPU <see cref="Generator"/> (see <see cref="SeededNoise.CreateGenerator"/>),
/// so a training run is reproducible from its seed. The noiser holds no tensors and is safe to share.
/// </remarks>
public sealed class DdpmNoiser
{
    /// <summary>Creates a noiser for a schedule.</summary>
    /// <param name="schedule">The noise schedule; null means <see cref="NoiseSchedule.StableDiffusion15"/>.</param>
    public DdpmNoiser(NoiseSchedule? schedule = null)
    {
        Schedule = schedule ?? NoiseSchedule.StableDiffusion15;
    }

    /// <summary>Gets the noise schedule.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>Draws one timestep per batch element, uniform over [0, T).</summary>
    /// <param name="batchSize">The number of timesteps, at least 1.</param>
    /// <param name="generator">A CPU generator, advanced by the draw.</param>
    /// <param name="device">Where to put the result; null means the CPU.</param>
    /// <returns>An int64 tensor [batchSize], owned by the caller.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The batch size is below 1.</exception>
    /// <exception cref="ArgumentNullException">The generator is null.</exception>
    /// <exception cref="ArgumentException">The generator is not a CPU generator.</exception>
    public Tensor SampleTimesteps(long batchSize, Generator generator, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        SeededNoise.ValidateGenerator(generator);
        using var cpu = randint(0, Schedule.TrainTimesteps, [batchSize], ScalarType.Int64, CPU, generator: generator);
        return cpu.to(device ?? CPU);
    }

    /// <summary>
    /// Noises clean latents: x_t = sqrt(a_t) * original + sqrt(1 - a_t) * noise, with t taken per batch element.
    /// </summary>
    /// <param name="original">Clean latents [N, ...].</param>
    /// <param name="noise">Standard Gaussian noise, the shape of <paramref name="original"/>.</param>
    /// <param name="timesteps">Integer timesteps [N] in [0, T), on any device.</param>
    /// <returns>The noised latents, the shape, dtype and device of <paramref name="original"/>, owned by the
    /// caller.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">
    /// The shapes differ, the timesteps are not one per batch element, or the original has no batch dimension.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A timestep is outside [0, T).</exception>
    public Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(timesteps);
        if (!original.shape.AsSpan().SequenceEqual(noise.shape))
        {
            throw new ArgumentException(
                $"The noise has shape [{string.Join(", ", noise.shape)}], "
                + $"the latents [{string.Join(", ", original.shape)}].",
                nameof(noise));
        }

        if (original.dim() < 1 || timesteps.dim() != 1 || timesteps.shape[0] != original.shape[0])
        {
            throw new ArgumentException(
                $"Expected one timestep per batch element ([{(original.dim() < 1 ? 0 : original.shape[0])}]), "
                + $"got shape [{string.Join(", ", timesteps.shape)}].",
                nameof(timesteps));
        }

        var steps = ReadTimesteps(timesteps);
        var signal = new float[steps.Length];
        var noiseScale = new float[steps.Length];
        for (var index = 0; index < steps.Length; index++)
        {
            Schedule.ValidateTimestep(steps[index], nameof(timesteps));
            var alphaBar = Schedule.AlphasCumulativeProduct[steps[index]];
            signal[index] = (float)Math.Sqrt(alphaBar);
            noiseScale[index] = (float)Math.Sqrt(1 - alphaBar);
        }

        using var scope = NewDisposeScope();
        var broadcast = new long[original.dim()];
        Array.Fill(broadcast, 1L);
        broadcast[0] = steps.Length;
        var signalTensor = tensor(signal).reshape(broadcast).to(original.dtype, original.device);
        var noiseTensor = tensor(noiseScale).reshape(broadcast).to(original.dtype, original.device);
        var noised = (signalTensor * original) + (noiseTensor * noise);
        return noised.MoveToOuterDisposeScope();
    }

    private static int[] ReadTimesteps(Tensor timesteps)
    {
        using var cpu = timesteps.detach().to(ScalarType.Int64, CPU).contiguous();
        return cpu.data<long>().Select(step => (int)Math.Clamp(step, -1, int.MaxValue)).ToArray();
    }
}
