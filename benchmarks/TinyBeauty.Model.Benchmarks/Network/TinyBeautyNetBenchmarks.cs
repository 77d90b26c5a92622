using BenchmarkDotNet.Attributes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Benchmarks.Network;

/// <summary>
/// The official network (width 24) at the official 256 x 256 resolution on the CPU, with TorchSharp's default
/// thread count: one inference forward pass, and one training step of a batch of 8 (L1 loss, Adam).
/// </summary>
/// <remarks>
/// Tensors live in libtorch's native memory, which BenchmarkDotNet's memory diagnoser cannot see, so it is not used.
/// Inputs are seeded random values in [-1, 1]; the timing of convolutions does not depend on the values.
/// </remarks>
[BenchmarkCategory("Network")]
public class TinyBeautyNetBenchmarks
{
    private const int Side = 256;

    private const int TrainingBatch = 8;

    private TinyBeautyNet _network = null!;
    private Tensor _image = null!;
    private Tensor _batch = null!;
    private Tensor _target = null!;
    private Adam _optimizer = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.manual_seed(2024);
        _network = new TinyBeautyNet();
        _image = (rand(1, 3, Side, Side) * 2) - 1;
        _batch = (rand(TrainingBatch, 3, Side, Side) * 2) - 1;
        _target = (rand(TrainingBatch, 3, Side, Side) - 0.5) * 0.2;
        _optimizer = optim.Adam(_network.parameters(), lr: 2e-4);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _optimizer.Dispose();
        _target.Dispose();
        _batch.Dispose();
        _image.Dispose();
        _network.Dispose();
    }

    /// <summary>Inference on one 256 x 256 image without autograd.</summary>
    [Benchmark(Description = "Forward 1x3x256x256")]
    public float Forward()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return _network.forward(_image)[0, 0, 0, 0].ToSingle();
    }

    /// <summary>Forward, L1 loss, backward and an Adam update on a batch of 8 images of 256 x 256.</summary>
    [Benchmark(Description = "Train step 8x3x256x256 (L1, Adam)")]
    public float TrainingStep()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var loss = nn.functional.l1_loss(_network.forward(_batch), _target);
        loss.backward();
        _optimizer.step();
        return loss.ToSingle();
    }
}
