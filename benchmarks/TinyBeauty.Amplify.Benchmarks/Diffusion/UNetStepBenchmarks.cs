using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TinyBeauty.Amplify.Diffusion.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Benchmarks.Diffusion;

/// <summary>
/// One UNet denoising step (a forward pass, fp32, batch 1, 64 image tokens of context) and one training step (a
/// forward, an MSE against noise and a backward), for the tiny test UNet and the real Stable Diffusion 1.5 UNet
/// with random weights (the cost does not depend on the weights' values).
/// </summary>
/// <remarks>
/// The real UNet holds 3.4 GB of fp32 weights and takes seconds per step on a CPU, so the run is short: one
/// launch, one warm-up and three measured iterations. BenchmarkDotNet's memory columns count managed allocations
/// only; libtorch's memory is native, so the process's peak resident memory (VmHWM) is printed at the end of each
/// case instead.
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[BenchmarkCategory("Diffusion")]
public class UNetStepBenchmarks
{
    private UNet2DConditionModel? _unet;
    private Tensor? _latents;
    private Tensor? _timestep;
    private Tensor? _context;
    private Tensor? _noise;

    /// <summary>Gets or sets the UNet: the tiny test config (32 x 32 latents) or SD1.5 (64 x 64 latents).</summary>
    [Params("tiny", "sd15")]
    public string Config { get; set; } = "tiny";

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Environment.ProcessorCount);
        manual_seed(1);
        var (config, side) = Config == "sd15"
            ? (UNet2DConditionConfig.StableDiffusion15, 64)
            : (UNet2DConditionConfig.TinyStableDiffusionTest, 32);
        _unet = new UNet2DConditionModel(config);
        _latents = randn(1, config.InChannels, side, side);
        _noise = randn(1, config.InChannels, side, side);
        _timestep = tensor(500L);
        _context = randn(1, 64, config.CrossAttentionDim);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        PeakMemory.Print($"UNet {Config}");
        _unet?.Dispose();
    }

    [Benchmark(Description = "Denoising step (forward)")]
    public float Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _unet!.Forward(_latents!, _timestep!, _context!).mean().ToSingle();
    }

    [Benchmark(Description = "Training step (forward + backward)")]
    public float TrainingStep()
    {
        using var scope = NewDisposeScope();
        _unet!.zero_grad();
        var loss = nn.functional.mse_loss(_unet.Forward(_latents!, _timestep!, _context!), _noise!);
        loss.backward();
        return loss.ToSingle();
    }
}
