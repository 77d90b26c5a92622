using BenchmarkDotNet.Attributes;
using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Onnx.Benchmarks.Faces;

/// <summary>
/// Face detection plus the 468-point mesh of every face, and the six region masks of one face, on the repository's
/// photos: the astronaut (512 x 512, one face) and a group photo (1920 x 1398, five faces), with and without eye
/// refinement by the iris model. Decoding is excluded.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Faces")]
public class FaceMeshBenchmarks
{
    private FaceMesh? _mesh;
    private byte[] _pixels = [];
    private int _width;
    private int _height;
    private FaceLandmarks? _face;
    private byte[] _mask = [];

    /// <summary>Gets or sets the photo, relative to the repository's data/faces folder.</summary>
    [Params("held-out/astronaut.png", "train/face-api-sample5.jpg")]
    public string Photo { get; set; } = "";

    /// <summary>Gets or sets whether the iris model refines each face's eyelids (two more inferences a face).</summary>
    [Params(false, true)]
    public bool RefineEyes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "TinyBeauty.Libraries.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Repository root not found.");
        }

        using var image = MakeupImage.Load(Path.Combine(root, "data", "faces", Photo));
        (_width, _height) = (image.Width, image.Height);
        _pixels = new byte[_width * _height * 3];
        image.CopyPixelDataTo(_pixels);
        _mesh = new FaceMesh(intraOpThreads: 2, refineEyes: RefineEyes);
        _face = _mesh.Find(View).MaxBy(face => face.Detection.Box.Area)
            ?? throw new InvalidOperationException($"No face in {Photo}.");
        _mask = new byte[_width * _height];
    }

    [GlobalCleanup]
    public void Cleanup() => _mesh?.Dispose();

    private ReadOnlyImageView View => new(_pixels, _width, _height, PixelLayout.Rgb24);

    [Benchmark(Description = "Detect + mesh, every face")]
    public int DetectAndMesh() => _mesh!.Find(View).Count;

    [Benchmark(Description = "Six region masks, one face")]
    public byte SixMasks()
    {
        foreach (var region in Enum.GetValues<FaceRegion>())
        {
            Array.Clear(_mask);
            FaceMasks.Draw(region, _face!, _mask, _width, _height);
        }

        return _mask[_mask.Length / 2];
    }
}
