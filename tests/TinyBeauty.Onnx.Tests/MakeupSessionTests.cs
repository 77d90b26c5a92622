using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Core;
using TinyBeauty.Model;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;
using TinyBeauty.Testing;

namespace TinyBeauty.Onnx.Tests;

public sealed class MakeupSessionTests
{
    private const string Checkpoint = "reference/tinybeauty-official/style1.pt";
    private const string Photo = "reference/tinybeauty-official/examples/01.png";
    private const string GoldenImage = "reference/tinybeauty-official/golden_style1_01.png";
    private const string GoldenResidual = "reference/tinybeauty-official/residual_style1_01_1x3x256x256.f32";

    [ReferenceFact(Checkpoint, Photo, GoldenResidual)]
    public void PredictResidual_OfficialCheckpointThroughOnnx_MatchesGoldenResidual()
    {
        using var session = MakeupSession.Load(ExportOfficialModel());
        using var photo = MakeupImage.Load(ReferenceData.Path(Photo));
        var expected = ReferenceData.ReadFloat32(ReferenceData.Path(GoldenResidual));
        var residual = new float[session.ResidualLength];

        WithView(photo, view => session.PredictResidual(view, new PlanarTensorView(residual, 3, 256, 256)));

        var maxError = residual.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxError <= 1e-4f, $"largest difference from the golden residual is {maxError:E3}");
    }

    [ReferenceFact(Checkpoint, Photo, GoldenImage)]
    public void Apply_OfficialCheckpointThroughOnnx_MatchesGoldenImage()
    {
        using var session = MakeupSession.Load(ExportOfficialModel());
        using var photo = MakeupImage.Load(ReferenceData.Path(Photo));
        using var golden = MakeupImage.Load(ReferenceData.Path(GoldenImage));

        session.Apply(photo);

        var (withinTwo, exact, total) = Compare(photo, golden, tolerance: 2);
        Assert.True(
            withinTwo >= total * 0.999,
            $"{withinTwo} of {total} values within 2 levels ({exact} exact); at least 99.9% must be");
    }

    [Fact]
    public void Apply_IdentityModelOnPhotoAtInferenceSize_DoublesNormalisedValues()
    {
        using var session = MakeupSession.Load(TestModels.Identity(), new MakeupSessionOptions { InferenceSize = 8 });
        var pixels = RandomPixels(8 * 8 * 3, seed: 3);
        var output = new byte[pixels.Length];

        session.Apply(
            new ReadOnlyImageView(pixels, 8, 8, PixelLayout.Rgb24), new ImageView(output, 8, 8, PixelLayout.Rgb24));

        // At the inference size the resize and the upsampling are exact, so each value is f(2 * normalised).
        var scalar = new byte[pixels.Length];
        var residual = new float[3 * 8 * 8];
        ImageNormalization.ToPlanarRgb(
            new ReadOnlyImageView(pixels, 8, 8, PixelLayout.Rgb24), new PlanarTensorView(residual, 3, 8, 8));
        ResidualApplier.ApplyScalar(
            new ReadOnlyPlanarTensorView(residual, 3, 8, 8),
            new ReadOnlyImageView(pixels, 8, 8, PixelLayout.Rgb24),
            new ImageView(scalar, 8, 8, PixelLayout.Rgb24));
        Assert.Equal(scalar, output);
        Assert.NotEqual(pixels, output);
    }

    [Fact]
    public void Apply_SameBufferForSourceAndDestination_EqualsSeparateBuffers()
    {
        using var session = MakeupSession.Load(TestModels.Scale(0.25f), Options(16));
        var pixels = RandomPixels(37 * 23 * 3, seed: 5);
        var separate = new byte[pixels.Length];

        session.Apply(
            new ReadOnlyImageView(pixels, 37, 23, PixelLayout.Rgb24),
            new ImageView(separate, 37, 23, PixelLayout.Rgb24));
        var view = new ImageView(pixels, 37, 23, PixelLayout.Rgb24);
        session.Apply(view, view);

        Assert.Equal(separate, pixels);
    }

    [Fact]
    public void Apply_Region_LeavesPixelsOutsideTheRegionUnchanged()
    {
        using var session = MakeupSession.Load(TestModels.Scale(0.5f), new MakeupSessionOptions { InferenceSize = 16 });
        var pixels = RandomPixels(64 * 48 * 3, seed: 7);
        var output = new byte[pixels.Length];
        var region = new ResidualRegion(10, 8, 30, 20, Feather: 4);

        session.Apply(
            new ReadOnlyImageView(pixels, 64, 48, PixelLayout.Rgb24),
            new ImageView(output, 64, 48, PixelLayout.Rgb24),
            region);

        var changedInside = false;
        for (var y = 0; y < 48; y++)
        {
            for (var x = 0; x < 64; x++)
            {
                var inside = x >= 10 && x < 40 && y >= 8 && y < 28;
                var offset = (y * 64 + x) * 3;
                var same = pixels.AsSpan(offset, 3).SequenceEqual(output.AsSpan(offset, 3));
                Assert.True(inside || same, $"pixel ({x}, {y}) outside the region changed");
                changedInside |= inside && !same;
            }
        }

        Assert.True(changedInside, "no pixel inside the region changed");
    }

    [Fact]
    public void Apply_RegionOutsidePhoto_ThrowsNamingTheRegion()
    {
        using var session = MakeupSession.Load(TestModels.Identity(), new MakeupSessionOptions { InferenceSize = 8 });
        var pixels = new byte[16 * 16 * 3];

        var error = Assert.Throws<ArgumentException>(() => session.Apply(
            new ReadOnlyImageView(pixels, 16, 16, PixelLayout.Rgb24),
            new ImageView(pixels, 16, 16, PixelLayout.Rgb24),
            new ResidualRegion(10, 10, 8, 8)));

        Assert.Contains("16x16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ManyThreadsAtOnce_EachResultEqualsTheSequentialOne()
    {
        using var session = MakeupSession.Load(TestModels.Scale(0.3f), new MakeupSessionOptions { InferenceSize = 32 });
        var photos = Enumerable.Range(0, 8).Select(seed => RandomPixels(50 * 40 * 3, seed)).ToArray();
        var sequential = photos.Select(photo => MakeUp(session, photo, 50, 40)).ToArray();

        var parallel = new byte[photos.Length][];
        Parallel.For(0, photos.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, index =>
            parallel[index] = MakeUp(session, photos[index], 50, 40));

        for (var index = 0; index < photos.Length; index++)
        {
            Assert.Equal(sequential[index], parallel[index]);
        }
    }

    [Fact]
    public void Apply_AfterWarmUp_AllocatesLessThanOneKilobyte()
    {
        using var session = MakeupSession.Load(TestModels.Scale(0.3f), new MakeupSessionOptions { InferenceSize = 32 });
        var pixels = RandomPixels(100 * 80 * 3, seed: 9);
        var output = new byte[pixels.Length];
        MakeUp(session, pixels, output, 100, 80);

        var before = GC.GetAllocatedBytesForCurrentThread();
        MakeUp(session, pixels, output, 100, 80);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1024, $"one photo allocated {allocated} bytes after warm-up");
    }

    [Fact]
    public void ApplyBatch_SeveralSizes_EqualsOnePhotoAtATime()
    {
        var options = new MakeupSessionOptions { InferenceSize = 16, MaxBatchSize = 2 };
        using var session = MakeupSession.Load(TestModels.Scale(0.4f), options);
        var sizes = new[] { (20, 20), (31, 17), (16, 40) };
        var batch = sizes.Select((size, seed) => RandomImage(size.Item1, size.Item2, seed)).ToList();
        var single = batch.Select(image => image.Clone()).ToList();
        var reported = new List<int>();

        session.ApplyBatch(batch, 1f, new SynchronousProgress(reported.Add));
        single.ForEach(image => session.Apply(image));

        for (var index = 0; index < batch.Count; index++)
        {
            Assert.Equal(Pixels(single[index]), Pixels(batch[index]));
        }

        Assert.Equal([2, 3], reported);
        batch.Concat(single).ToList().ForEach(image => image.Dispose());
    }

    [Fact]
    public void ApplyBatch_CancelledToken_Throws()
    {
        using var session = MakeupSession.Load(TestModels.Identity(), new MakeupSessionOptions { InferenceSize = 8 });
        using var image = RandomImage(8, 8, seed: 1);

        Assert.Throws<OperationCanceledException>(() =>
            session.ApplyBatch([image], cancellationToken: new CancellationToken(canceled: true)));
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(2.5f)]
    [InlineData(float.NaN)]
    public void Apply_IntensityOutOfRange_Throws(float intensity)
    {
        using var session = MakeupSession.Load(TestModels.Identity(), new MakeupSessionOptions { InferenceSize = 8 });
        using var image = RandomImage(8, 8, seed: 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => session.Apply(image, intensity));
    }

    [Fact]
    public void Apply_ModelThatProducesNaN_ThrowsMakeupModelException()
    {
        using var session = MakeupSession.Load(TestModels.NotANumber(), new MakeupSessionOptions { InferenceSize = 8 });
        using var image = RandomImage(8, 8, seed: 1);
        var before = Pixels(image);

        var error = Assert.Throws<MakeupModelException>(() => session.Apply(image));

        Assert.Contains("not finite", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Pixels(image));
    }

    [Fact]
    public void Load_ModelWithTwoInputs_ThrowsNamingTheCounts()
    {
        var error = Assert.Throws<MakeupModelException>(() => MakeupSession.Load(TestModels.TwoInputs()));

        Assert.Contains("2 inputs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ModelWithFourChannels_ThrowsNamingTheChannels()
    {
        var error = Assert.Throws<MakeupModelException>(() => MakeupSession.Load(TestModels.Identity(channels: 4)));

        Assert.Contains("3 channels", error.Message, StringComparison.Ordinal);
        Assert.Contains("has 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ModelWithIntegerInput_ThrowsNamingTheType()
    {
        var error = Assert.Throws<MakeupModelException>(() => MakeupSession.Load(TestModels.IntegerInput()));

        Assert.Contains("float32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BytesThatAreNotAModel_ThrowsMakeupModelException()
    {
        Assert.Throws<MakeupModelException>(() => MakeupSession.Load("not an onnx model"u8));
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-model.onnx");

        Assert.Throws<FileNotFoundException>(() => MakeupSession.Load(path));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-8)]
    [InlineData(30)]
    public void Load_InferenceSizeBelowEightOrNotMultipleOfFour_Throws(int size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            MakeupSession.Load(TestModels.Identity(), new MakeupSessionOptions { InferenceSize = size }));
    }

    [Fact]
    public void Apply_AfterDispose_ThrowsObjectDisposed()
    {
        var session = MakeupSession.Load(TestModels.Identity(), new MakeupSessionOptions { InferenceSize = 8 });
        using var image = RandomImage(8, 8, seed: 1);
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Apply(image));
    }

    [Fact]
    public void Export_SmallRandomNetwork_RunsOnNonSquarePhoto()
    {
        var options = new TinyBeautyNetOptions { Width = 4, EncoderResidualBlocks = 1, DecoderResidualBlocks = 1 };
        using var session = MakeupSession.Load(
            OnnxExporter.ExportToBytes(RandomWeights(options, seed: 11), options),
            new MakeupSessionOptions { InferenceSize = 64 });
        using var image = RandomImage(90, 50, seed: 2);
        var before = Pixels(image);

        session.Apply(image, 0.8f);

        Assert.NotEqual(before, Pixels(image));
    }

    [Fact]
    public void Load_ModelRecordingItsSize_RunsAtItUnlessTheOptionsSayOtherwise()
    {
        var model = TestModels.IdentityWithMetadata(MakeupSessionOptions.InferenceSizeMetadataKey, "128");

        using var own = MakeupSession.Load(model);
        using var chosen = MakeupSession.Load(model, new MakeupSessionOptions { InferenceSize = 64 });
        using var unrecorded = MakeupSession.Load(TestModels.Identity());

        Assert.Equal((128, 128), (own.InferenceSize, own.RecordedInferenceSize));
        Assert.Equal((64, 128), (chosen.InferenceSize, chosen.RecordedInferenceSize));
        Assert.Equal(MakeupSessionOptions.DefaultInferenceSize, unrecorded.InferenceSize);
        Assert.Null(unrecorded.RecordedInferenceSize);
        Assert.Equal(3 * 128 * 128, own.ResidualLength);
    }

    [Theory]
    [InlineData("big")]
    [InlineData("130")]
    [InlineData("-256")]
    public void Load_ModelRecordingANonsenseSize_ThrowsNamingTheMetadata(string value)
    {
        var model = TestModels.IdentityWithMetadata(MakeupSessionOptions.InferenceSizeMetadataKey, value);

        var exception = Assert.Throws<MakeupModelException>(() => MakeupSession.Load(model));

        Assert.Contains(MakeupSessionOptions.InferenceSizeMetadataKey, exception.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", exception.Message, StringComparison.Ordinal);
    }

    internal static MakeupSessionOptions Options(int inferenceSize) => new() { InferenceSize = inferenceSize };

    internal static byte[] ExportOfficialModel()
    {
        var weights = PyTorchCheckpoint.Load(ReferenceData.Path(Checkpoint));
        return OnnxExporter.ExportToBytes(weights, TinyBeautyNetOptions.FromWeights(weights));
    }

    internal static StateDictionary RandomWeights(TinyBeautyNetOptions options, int seed)
    {
        var random = new Random(seed);
        var weights = new StateDictionary();
        foreach (var (name, shape) in options.DescribeParameters())
        {
            var data = new float[shape.Aggregate(1, (product, dimension) => product * dimension)];
            for (var index = 0; index < data.Length; index++)
            {
                data[index] = name.EndsWith("gamma", StringComparison.Ordinal)
                    ? 1f
                    : (float)(random.NextDouble() - 0.5) * 0.4f;
            }

            weights.Add(new NamedTensor(name, shape, data));
        }

        return weights;
    }

    internal static byte[] RandomPixels(int length, int seed)
    {
        var pixels = new byte[length];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    internal static Image<Rgb24> RandomImage(int width, int height, int seed) =>
        Image.LoadPixelData<Rgb24>(RandomPixels(width * height * 3, seed), width, height);

    internal static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
    }

    private static byte[] MakeUp(MakeupSession session, byte[] pixels, int width, int height)
    {
        var output = new byte[pixels.Length];
        MakeUp(session, pixels, output, width, height);
        return output;
    }

    private static void MakeUp(MakeupSession session, byte[] pixels, byte[] output, int width, int height) =>
        session.Apply(
            new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24),
            new ImageView(output, width, height, PixelLayout.Rgb24));

    private static void WithView(Image<Rgb24> image, ViewAction action)
    {
        var pixels = Pixels(image);
        action(new ReadOnlyImageView(pixels, image.Width, image.Height, PixelLayout.Rgb24));
    }

    private delegate void ViewAction(ReadOnlyImageView view);

    private static (int WithinTolerance, int Exact, int Total) Compare(
        Image<Rgb24> actual, Image<Rgb24> expected, int tolerance)
    {
        var a = Pixels(actual);
        var b = Pixels(expected);
        Assert.Equal(b.Length, a.Length);
        var within = 0;
        var exact = 0;
        for (var index = 0; index < a.Length; index++)
        {
            var difference = Math.Abs(a[index] - b[index]);
            within += difference <= tolerance ? 1 : 0;
            exact += difference == 0 ? 1 : 0;
        }

        return (within, exact, a.Length);
    }

    /// <summary>Reports progress on the calling thread, so that a test sees every report before it asserts.</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
