using BenchmarkDotNet.Attributes;
using TinyBeauty.Core;

namespace TinyBeauty.Core.Benchmarks;

/// <summary>
/// The fast residual apply on a 1024x1024 RGB photo with its widest vector capped at 512, 256, 128 bits, or
/// scalar only (0), to show what each width of the cascade contributes on this machine.
/// </summary>
[MemoryDiagnoser]
public class ResidualApplyVectorWidthBenchmarks
{
    private const int PhotoSize = 1024;
    private const int ResidualSize = 256;

    private byte[] _source = [];
    private byte[] _destination = [];
    private float[] _residual = [];

    /// <summary>Gets or sets the widest vector the kernels may use, in bits.</summary>
    [Params(512, 256, 128, 0)]
    public int MaxVectorBits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20240717);
        _source = new byte[PhotoSize * PhotoSize * 3];
        random.NextBytes(_source);
        _destination = new byte[_source.Length];
        _residual = new float[3 * ResidualSize * ResidualSize];
        for (var i = 0; i < _residual.Length; i++)
        {
            _residual[i] = (float)(random.NextDouble() * 2 - 1);
        }

        ResidualApplier.MaxVectorBits = MaxVectorBits;
    }

    [GlobalCleanup]
    public void Cleanup() => ResidualApplier.MaxVectorBits = 512;

    [Benchmark]
    public void Apply() => ResidualApplier.Apply(
        new ReadOnlyPlanarTensorView(_residual, 3, ResidualSize, ResidualSize),
        new ReadOnlyImageView(_source, PhotoSize, PhotoSize, PixelLayout.Rgb24),
        new ImageView(_destination, PhotoSize, PhotoSize, PixelLayout.Rgb24));
}
