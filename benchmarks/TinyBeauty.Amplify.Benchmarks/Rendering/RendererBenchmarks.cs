using BenchmarkDotNet.Attributes;
using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Core;
using TinyBeauty.Onnx;
using SixLabors.ImageSharp.Processing;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Benchmarks.Rendering;

/// <summary>
/// The parametric renderer: painting a style with all five layers on a 256 x 256 face crop, and whole pairs
/// written by <see cref="RenderAmplifier"/> (crop, resize, render, five masks and two PNGs per pair; the face mesh
/// runs once per photo and is included).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Renderer")]
public class RendererBenchmarks
{
    private const int PairsPerRun = 8;

    private static readonly MakeupStyle s_allLayers = new()
    {
        Name = "all-layers",
        Lipstick = new LipstickLayer(),
        Eyeliner = new EyelinerLayer(),
        Eyeshadow = new EyeshadowLayer(),
        Blush = new BlushLayer(),
        Brows = new BrowLayer(),
    };

    private FaceMesh? _mesh;
    private RenderAmplifier? _amplifier;
    private FaceLandmarks? _face;
    private byte[] _crop = [];
    private byte[] _output = [];
    private string _faces = "";
    private string _pairs = "";

    [GlobalSetup]
    public void Setup()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "TinyBeauty.Libraries.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Repository root not found.");
        }

        _faces = Directory.CreateTempSubdirectory("tinybeauty-bench-faces").FullName;
        File.Copy(Path.Combine(root, "data", "faces", "held-out", "astronaut.png"), Path.Combine(_faces, "a.png"));
        _mesh = new FaceMesh(intraOpThreads: 2);
        _amplifier = new RenderAmplifier(_mesh);

        // A 256 x 256 crop with its own mesh, as the amplifier renders it.
        using var image = MakeupImage.Load(Path.Combine(_faces, "a.png"));
        image.Mutate(context => context.Crop(new SixLabors.ImageSharp.Rectangle(128, 40, 256, 256)));
        _crop = new byte[256 * 256 * 3];
        image.CopyPixelDataTo(_crop);
        _output = new byte[_crop.Length];
        _face = _mesh.Find(new ReadOnlyImageView(_crop, 256, 256, PixelLayout.Rgb24)).FirstOrDefault()
            ?? throw new InvalidOperationException("No face in the benchmark crop.");
    }

    [IterationSetup(Target = nameof(WritePairs))]
    public void NewPairFolder() => _pairs = Path.Combine(_faces, "pairs-" + Guid.NewGuid().ToString("N"));

    [GlobalCleanup]
    public void Cleanup()
    {
        _amplifier?.Dispose();
        _mesh?.Dispose();
        Directory.Delete(_faces, recursive: true);
    }

    [Benchmark(Description = "Render 5 layers, 256x256 crop")]
    public byte Render()
    {
        MakeupRenderer.Render(
            new ReadOnlyImageView(_crop, 256, 256, PixelLayout.Rgb24),
            _face!,
            s_allLayers,
            new ImageView(_output, 256, 256, PixelLayout.Rgb24));
        return _output[_output.Length / 2];
    }

    [Benchmark(Description = "Write 8 pairs (256x256, masks)", OperationsPerInvoke = PairsPerRun)]
    public int WritePairs() => _amplifier!.Run(
        _faces, s_allLayers, _pairs, new RenderAmplifierOptions { Count = PairsPerRun }).Written;
}
