using BenchmarkDotNet.Attributes;
using TinyBeauty.Core;

namespace TinyBeauty.Core.Benchmarks;

/// <summary>The fused residual apply against its scalar reference, on RGB photos and a 256x256 residual.</summary>
[MemoryDiagnoser]
public class ResidualApplyBenchmarks
{
    private const int ResidualSize = 256;

    private byte[] _source = [];
    private byte[] _destination = [];
    private float[] _residual = [];

    /// <summary>Gets or sets the photo's width and height; 1023 leaves a tail after every vector width.</summary>
    [Params(512, 1023, 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20240717);
        _source = new byte[Size * Size * 3];
        random.NextBytes(_source);
        _destination = new byte[_source.Length];
        _residual = new float[3 * ResidualSize * ResidualSize];
        for (var i = 0; i < _residual.Length; i++)
        {
            _residual[i] = (float)(random.NextDouble() * 2 - 1);
        }
    }

    [Benchmark(Baseline = true)]
    public void ApplyScalar() => ResidualApplier.ApplyScalar(
        new ReadOnlyPlanarTensorView(_residual, 3, ResidualSize, ResidualSize),
        new ReadOnlyImageView(_source, Size, Size, PixelLayout.Rgb24),
        new ImageView(_destination, Size, Size, PixelLayout.Rgb24));

    [Benchmark]
    public void Apply() => ResidualApplier.Apply(
        new ReadOnlyPlanarTensorView(_residual, 3, ResidualSize, ResidualSize),
        new ReadOnlyImageView(_source, Size, Size, PixelLayout.Rgb24),
        new ImageView(_destination, Size, Size, PixelLayout.Rgb24));
}
