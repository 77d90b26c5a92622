using BenchmarkDotNet.Attributes;
using TinyBeauty.Core;

namespace TinyBeauty.Core.Benchmarks;

/// <summary>The model's preprocessing: a 1024x1024 RGB photo to a 3x256x256 normalised tensor.</summary>
[MemoryDiagnoser]
public class ResizeBenchmarks
{
    private const int PhotoSize = 1024;
    private const int TensorSize = 256;

    private byte[] _photo = [];
    private float[] _tensor = [];

    [GlobalSetup]
    public void Setup()
    {
        _photo = new byte[PhotoSize * PhotoSize * 3];
        new Random(20240717).NextBytes(_photo);
        _tensor = new float[3 * TensorSize * TensorSize];
    }

    [Benchmark]
    public void ResizeToPlanarRgb() => ImageNormalization.ResizeToPlanarRgb(
        new ReadOnlyImageView(_photo, PhotoSize, PhotoSize, PixelLayout.Rgb24),
        new PlanarTensorView(_tensor, 3, TensorSize, TensorSize));
}
