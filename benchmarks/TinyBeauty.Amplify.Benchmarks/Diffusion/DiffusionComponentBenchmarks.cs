using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TinyBeauty.Amplify.Diffusion.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Benchmarks.Diffusion;

/// <summary>
/// The other networks a generated pair runs through, fp32, batch 1, no gradients: the VAE's encoder (once per
/// pair) and decoder (once per branch), the CLIP image encoder (once per face and once per style reference) and one
/// ControlNet step (beside every UNet step when a ControlNet is loaded). Tiny test configs and the real SD1.5 sizes
/// (512 x 512 images, 64 x 64 latents, 224 x 224 CLIP input), random weights.
/// </summary>
/// <remarks>
/// Each benchmark builds only its own network, so its process's peak resident memory (VmHWM, printed at the end of
/// each case) is that network's weights plus its activations. BenchmarkDotNet's memory columns would count managed
/// allocations only.
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[BenchmarkCategory("Diffusion")]
public class DiffusionComponentBenchmarks
{
    private nn.Module? _network;
    private Tensor? _images;
    private Tensor? _latents;
    private Tensor? _condition;
    private Tensor? _context;
    private Tensor? _timestep;

    /// <summary>Gets or sets the sizes: the tiny test configs or SD1.5.</summary>
    [Params("tiny", "sd15")]
    public string Config { get; set; } = "tiny";

    private bool Real => Config == "sd15";

    [GlobalSetup(Targets = [nameof(VaeEncode), nameof(VaeDecode)])]
    public void SetupVae()
    {
        Prepare();
        var config = Real ? AutoencoderKLConfig.StableDiffusion15 : AutoencoderKLConfig.TinyStableDiffusionTest;
        var side = Real ? 512 : 32;
        _network = new AutoencoderKL(config);
        _images = rand(1, config.InChannels, side, side) * 2 - 1;
        _latents = randn(1, config.LatentChannels, side / config.DownscaleFactor, side / config.DownscaleFactor);
    }

    [GlobalSetup(Target = nameof(ImageEncoder))]
    public void SetupImageEncoder()
    {
        Prepare();
        var config = Real ? ClipVisionConfig.VitHuge14 : ClipVisionConfig.TinyTest;
        _network = new ClipVisionModelWithProjection(config);
        _images = randn(1, config.Channels, config.ImageSize, config.ImageSize);
    }

    [GlobalSetup(Target = nameof(ControlNetStep))]
    public void SetupControlNet()
    {
        Prepare();
        var config = Real ? ControlNetConfig.StableDiffusion15 : ControlNetConfig.TinyTest;
        var side = Real ? 64 : 16;
        var factor = config.ConditioningScaleFactor;
        _network = new ControlNetModel(config);
        _latents = randn(1, config.UNet.InChannels, side, side);
        _condition = rand(1, config.ConditioningChannels, side * factor, side * factor);
        _context = randn(1, 64, config.UNet.CrossAttentionDim);
        _timestep = tensor(500L);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        PeakMemory.Print($"{_network?.GetType().Name} {Config}");
        _network?.Dispose();
    }

    [Benchmark(Description = "VAE encode")]
    public float VaeEncode()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var distribution = ((AutoencoderKL)_network!).Encode(_images!);
        return distribution.Mean.mean().ToSingle();
    }

    [Benchmark(Description = "VAE decode")]
    public float VaeDecode()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return ((AutoencoderKL)_network!).Decode(_latents!).mean().ToSingle();
    }

    [Benchmark(Description = "CLIP image encoder")]
    public float ImageEncoder()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return ((ClipVisionModelWithProjection)_network!).Forward(_images!).mean().ToSingle();
    }

    [Benchmark(Description = "ControlNet step")]
    public float ControlNetStep()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var residuals = ((ControlNetModel)_network!).Forward(_latents!, _timestep!, _context!, _condition!);
        return residuals.MidBlockResidual.mean().ToSingle();
    }

    private static void Prepare()
    {
        set_num_threads(Environment.ProcessorCount);
        manual_seed(1);
    }
}
