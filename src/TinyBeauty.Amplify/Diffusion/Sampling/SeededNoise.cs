using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// Seeded random numbers for diffusion: every draw happens on the CPU from a TorchSharp <see cref="Generator"/> and is
/// then moved to the target device, so a seed gives the same values on the CPU and on a GPU.
/// </summary>
public static class SeededNoise
{
    /// <summary>Creates a CPU generator seeded with <paramref name="seed"/>; dispose it when done.</summary>
    /// <param name="seed">Any value; negative seeds are reinterpreted as unsigned 64-bit values.</param>
    public static Generator CreateGenerator(long seed) => new(unchecked((ulong)seed), CPU);

    /// <summary>
    /// Draws standard normal noise with the shape, dtype and device of <paramref name="like"/>. The values are drawn
    /// as float32 on the CPU, then converted and moved.
    /// </summary>
    /// <param name="like">The tensor whose shape, dtype and device the noise takes.</param>
    /// <param name="generator">A CPU generator, advanced by the draw.</param>
    /// <returns>The noise, owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The generator is not a CPU generator.</exception>
    public static Tensor Like(Tensor like, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(like);
        ValidateGenerator(generator);
        using var cpu = randn(like.shape, ScalarType.Float32, CPU, generator: generator);
        return cpu.to(like.dtype, like.device);
    }

    internal static void ValidateGenerator(Generator? generator, string parameterName = "generator")
    {
        ArgumentNullException.ThrowIfNull(generator, parameterName);
        if (generator.device.type != DeviceType.CPU)
        {
            throw new ArgumentException(
                $"Noise is drawn on the CPU for reproducibility; the generator is on {generator.device}.",
                parameterName);
        }
    }
}
