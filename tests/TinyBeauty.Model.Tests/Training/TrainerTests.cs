using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;
using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

public sealed partial class TrainerTests : IDisposable
{
    private static readonly TinyBeautyNetOptions s_tiny =
        new() { Width = 4, EncoderResidualBlocks = 0, DecoderResidualBlocks = 1 };

    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-trainer-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Options_Defaults_MatchTheDocumentation()
    {
        var options = new TrainerOptions();

        Assert.Equal((10, 8, 256), (options.Epochs, options.BatchSize, options.CropSize));
        Assert.Equal((2e-4, 0.0, 0.5, 0.999), (options.LearningRate, options.MinLearningRate, options.Beta1,
            options.Beta2));
        Assert.Equal(200, options.CheckpointEvery);
        Assert.Same(TinyBeautyNetOptions.Official, options.NetworkOptions);
        Assert.Equal((null, 64, 3), (options.DiscriminatorLearningRate, options.DiscriminatorWidth,
            options.DiscriminatorDepth));
        options.Validate();
    }

    [Theory]
    [InlineData("batch", "BatchSize")]
    [InlineData("crop", "CropSize")]
    [InlineData("small-crop", "CropSize")]
    [InlineData("epochs", "Epochs")]
    [InlineData("lr", "LearningRate")]
    [InlineData("beta", "Beta1")]
    [InlineData("discriminator-lr", "DiscriminatorLearningRate")]
    [InlineData("discriminator-width", "DiscriminatorWidth")]
    [InlineData("discriminator-depth", "DiscriminatorDepth")]
    [InlineData("discriminator-crop", "DiscriminatorDepth")]
    public void Constructor_BadOptions_ThrowNamingTheSetting(string kind, string expected)
    {
        var options = kind switch
        {
            "batch" => new TrainerOptions { BatchSize = 0 },
            "crop" => new TrainerOptions { CropSize = 18 },
            "small-crop" => new TrainerOptions { CropSize = 4 },
            "epochs" => new TrainerOptions { Epochs = 0 },
            "lr" => new TrainerOptions { LearningRate = double.NaN },
            "beta" => new TrainerOptions { Beta1 = 1 },
            "discriminator-lr" => new TrainerOptions { DiscriminatorLearningRate = -1e-4 },
            "discriminator-width" => new TrainerOptions { DiscriminatorWidth = 0 },
            "discriminator-depth" => new TrainerOptions { DiscriminatorDepth = 9 },
            _ => new TrainerOptions
            {
                CropSize = 16,
                DiscriminatorDepth = 5,
                Loss = new MakeupLossOptions { AdversarialWeight = 0.1 },
            },
        };

        var exception = Assert.ThrowsAny<ArgumentException>(() => new Trainer(options));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LearningRateAt_CosineSchedule_RunsFromMaximumToMinimum()
    {
        var trainer = new Trainer(new TrainerOptions { LearningRate = 1e-3, MinLearningRate = 1e-4 });

        Assert.Equal(1e-3, trainer.LearningRateAt(0, 11), 12);
        Assert.Equal(5.5e-4, trainer.LearningRateAt(5, 11), 12);
        Assert.Equal(1e-4, trainer.LearningRateAt(10, 11), 12);
        Assert.Equal(10 * 2, trainer.CountSteps(9));
    }

    [Fact]
    public void Train_TwentySteps_LossDecreases()
    {
        var trainer = new Trainer(Options(epochs: 10) with { LearningRate = 5e-3 });
        var reports = new List<TrainingProgress>();

        var result = trainer.Train(
            new SyntheticPairs(4), new SyntheticPairs(1, seed: 40), _folder, new Recorder(reports.Add));

        var steps = reports.Where(report => report.Validation is null).ToList();
        Assert.Equal(20, steps.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(step => (long)step), steps.Select(report => report.Step));
        var first = steps.Take(4).Average(report => report.Loss.Total);
        var last = steps.TakeLast(4).Average(report => report.Loss.Total);
        Assert.True(last < 0.8 * first, $"loss went from {first} to {last}");
        Assert.Equal(10, result.Validation.Count);
        Assert.True(result.Validation[^1].PeakSignalToNoiseRatio > result.Validation[0].PeakSignalToNoiseRatio);
        Assert.InRange(result.Validation[^1].StructuralSimilarity, -1, 1);
        Assert.Equal(TimeSpan.Zero, steps[^1].Remaining);
        Assert.True(steps[0].LearningRate > steps[^1].LearningRate);
    }

    [Fact]
    public void Train_ResumedAfterCancellation_EndsWithTheSameWeights()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            var straight = Path.Combine(_folder, "straight");
            var resumed = Path.Combine(_folder, "resumed");
            var options = Options(epochs: 3) with { ValidationFraction = 0.25 };
            new Trainer(options).Train(new SyntheticPairs(5), null, straight);

            using var cancellation = new CancellationTokenSource();
            var stop = new Recorder(report =>
            {
                if (report.Step == 3)
                {
                    cancellation.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(
                () => new Trainer(options).Train(new SyntheticPairs(5), null, resumed, stop, cancellation.Token));
            Assert.Equal("3", SafeTensors.ReadMetadata(Path.Combine(resumed, Trainer.CheckpointFileName))["step"]);
            Assert.False(File.Exists(Path.Combine(resumed, Trainer.ModelFileName)));
            var result = new Trainer(options with { Resume = true })
                .Train(new SyntheticPairs(5), null, resumed);

            Assert.Equal((6L, 3L), (result.Steps, result.StepsThisCall));
            var expected = SafeTensors.Load(Path.Combine(straight, Trainer.CheckpointFileName));
            var actual = SafeTensors.Load(Path.Combine(resumed, Trainer.CheckpointFileName));
            foreach (var tensor in expected.Tensors)
            {
                var values = actual[tensor.Name].Data;
                for (var index = 0; index < values.Length; index++)
                {
                    Assert.True(
                        Math.Abs(values[index] - tensor.Data[index]) <= 1e-6f,
                        $"{tensor.Name}[{index}]: {values[index]} vs {tensor.Data[index]}");
                }
            }

            Assert.Equal(
                File.ReadAllLines(Path.Combine(straight, Trainer.LossesFileName)),
                File.ReadAllLines(Path.Combine(resumed, Trainer.LossesFileName)));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Fact]
    public void Train_Cancelled_SavesCheckpointThenThrows()
    {
        using var cancellation = new CancellationTokenSource();
        var stop = new Recorder(_ => cancellation.Cancel());

        Assert.Throws<OperationCanceledException>(
            () => new Trainer(Options(epochs: 5))
                .Train(new SyntheticPairs(4), null, _folder, stop, cancellation.Token));

        Assert.Equal("1", SafeTensors.ReadMetadata(Path.Combine(_folder, Trainer.StateFileName))["step"]);
        TinyBeautyNetOptions.FromWeights(SafeTensors.Load(Path.Combine(_folder, Trainer.CheckpointFileName)));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_folder, Trainer.LossesFileName)).Length);
        Assert.True(File.Exists(Path.Combine(_folder, LossCurvePlot.FileName)));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void Train_LeftoverPartialTemporaryFile_NeitherReplacesNorBreaksTheCheckpoint()
    {
        using var cancellation = new CancellationTokenSource();
        var stop = new Recorder(report =>
        {
            if (report.Step == 2)
            {
                cancellation.Cancel();
            }
        });
        var options = Options(epochs: 2);
        Assert.Throws<OperationCanceledException>(
            () => new Trainer(options).Train(new SyntheticPairs(4), null, _folder, stop, cancellation.Token));
        var checkpoint = Path.Combine(_folder, Trainer.CheckpointFileName);
        var good = File.ReadAllBytes(checkpoint);

        // What a write killed half-way leaves behind: a truncated temporary file beside the real one.
        var partial = Path.Combine(_folder, $".{Trainer.CheckpointFileName}.0123456789abcdef.tmp");
        File.WriteAllBytes(partial, good.AsSpan(0, good.Length / 2).ToArray());
        Assert.Equal(good, File.ReadAllBytes(checkpoint));

        var result = new Trainer(options with { Resume = true }).Train(new SyntheticPairs(4), null, _folder);

        Assert.Equal(2, result.StepsThisCall);
        Assert.Equal("4", SafeTensors.ReadMetadata(checkpoint)["step"]);
    }

    [Fact]
    public void Train_ResumeFromTruncatedCheckpoint_ThrowsInvalidData()
    {
        var options = Options(epochs: 1);
        new Trainer(options).Train(new SyntheticPairs(4), null, _folder);
        var checkpoint = Path.Combine(_folder, Trainer.CheckpointFileName);
        var bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes.AsSpan(0, bytes.Length - 16).ToArray());

        Assert.Throws<InvalidDataException>(
            () => new Trainer(options with { Resume = true }).Train(new SyntheticPairs(4), null, _folder));
    }

    [Fact]
    public void Train_ResumeWithStateFromAnotherStep_ThrowsInsteadOfMixingThem()
    {
        using var cancellation = new CancellationTokenSource();
        var stop = new Recorder(report =>
        {
            if (report.Step == 2)
            {
                cancellation.Cancel();
            }
        });
        var options = Options(epochs: 2);
        Assert.Throws<OperationCanceledException>(
            () => new Trainer(options).Train(new SyntheticPairs(4), null, _folder, stop, cancellation.Token));
        var state = Path.Combine(_folder, Trainer.StateFileName);
        var older = File.ReadAllBytes(state);
        new Trainer(options with { Resume = true }).Train(new SyntheticPairs(4), null, _folder);

        // As if the process died after renaming the new state but before renaming the new weights.
        File.WriteAllBytes(state, older);
        var exception = Assert.Throws<InvalidDataException>(
            () => new Trainer(options with { Resume = true }).Train(new SyntheticPairs(4), null, _folder));

        Assert.Contains("stopped while saving", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ValidationFraction_HoldsOutPairsAndValidatesEveryEpoch()
    {
        var pairs = new SyntheticPairs(4);

        var result = new Trainer(Options(epochs: 2) with { ValidationFraction = 0.25 }).Train(pairs, null, _folder);

        Assert.Equal(4, result.Steps);
        Assert.Equal([1, 2], result.Validation.Select(metrics => metrics.Epoch));
        Assert.All(result.Validation, metrics => Assert.InRange(metrics.PeakSignalToNoiseRatio, 1, 100));
    }

    [Fact]
    public void Train_ResumeWithOtherBatchSize_ThrowsNamingIt()
    {
        var options = Options(epochs: 1);
        new Trainer(options).Train(new SyntheticPairs(4), null, _folder);
        var changed = new Trainer(options with { BatchSize = 4, Resume = true });

        var exception = Assert.Throws<ArgumentException>(() => changed.Train(new SyntheticPairs(4), null, _folder));

        Assert.Contains("batch_size", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_Finished_WritesOnnxMatchingTheCheckpointAndOneLossRowPerStep()
    {
        var result = new Trainer(Options(epochs: 2)).Train(new SyntheticPairs(4), null, _folder);

        var rows = File.ReadAllLines(result.LossesPath);
        Assert.Equal(
            "step,epoch,total,reconstruction,eyeliner,perceptual,adversarial,learning_rate,discriminator,squared",
            rows[0]);
        Assert.Equal(5, rows.Length);
        Assert.Equal(2e-3, double.Parse(rows[1].Split(',')[7], CultureInfo.InvariantCulture), 12);
        Assert.Equal("0", rows[1].Split(',')[8]);

        var input = new float[3 * 16 * 20];
        var random = new Random(9);
        for (var index = 0; index < input.Length; index++)
        {
            input[index] = (random.NextSingle() * 2) - 1;
        }

        using var session = new InferenceSession(result.ModelPath);
        Assert.Equal("16", session.ModelMetadata.CustomMetadataMap[OnnxExportOptions.InferenceSizeKey]);
        using var outputs = session.Run(
            [NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, [1, 3, 16, 20]))]);
        var onnx = outputs.Single().AsTensor<float>();
        Assert.Equal([1, 3, 16, 20], onnx.Dimensions.ToArray());

        using var network = new TinyBeautyNet(s_tiny);
        network.LoadWeights(SafeTensors.Load(result.CheckpointPath));
        network.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var torchOutput = network.forward(tensor(input, [1, 3, 16, 20])).data<float>().ToArray();
        var onnxOutput = onnx.ToArray();
        for (var index = 0; index < onnxOutput.Length; index++)
        {
            Assert.True(Math.Abs(onnxOutput[index] - torchOutput[index]) < 1e-4f, $"value {index}");
        }
    }

    [Fact]
    public void Train_EmptyTrainingSource_Throws()
    {
        var trainer = new Trainer(Options(epochs: 1));

        var exception = Assert.Throws<ArgumentException>(() => trainer.Train(new SyntheticPairs(0), null, _folder));

        Assert.Contains("no pair", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainingPair_WrongLength_ThrowsNamingTheArray()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => new TrainingPair(new float[3 * 64], new float[3 * 63], 8, 8));

        Assert.Equal("after", exception.ParamName);
    }

    [Fact]
    public void TrainingPair_RegionMaskOfTheWrongLength_ThrowsNamingIt()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => new TrainingPair(new float[3 * 64], new float[3 * 64], 8, 8) { RegionMask = new float[63] });

        Assert.Equal("RegionMask", exception.ParamName);
    }

    [Fact]
    public void Sampler_RandomCrop_MovesTheRegionMaskWithTheImages()
    {
        // The region mask is the before image's red plane mapped to [0, 1], so after any crop, zoom and flip the two
        // must still agree pixel for pixel (colour jitter is off: it changes the images only).
        var pair = SyntheticPairs.Create(side: 24, seed: 5);
        var plane = 24 * 24;
        var region = pair.Before.Take(plane).Select(value => (value + 1) / 2).ToArray();
        pair = new TrainingPair(pair.Before, pair.After, 24, 24, pair.EyeMask) { RegionMask = region };
        var options = Options(epochs: 1) with { ScaleJitter = 0.3, ColorJitter = 0 };
        const int side = 16;
        var (before, after) = (new float[3 * side * side], new float[3 * side * side]);
        var (eyeMask, regionMask) = (new float[side * side], new float[side * side]);

        for (var draw = 0; draw < 6; draw++)
        {
            var random = new TrainerRandom(options.Seed, 7, draw, 0);
            TrainerSampler.Crop(pair, side, options, random, before, after, eyeMask, regionMask);

            for (var index = 0; index < side * side; index++)
            {
                Assert.Equal((before[index] + 1) / 2, regionMask[index], 1e-5);
            }
        }

        var withoutRegion = SyntheticPairs.Create(side: 24, seed: 5);
        TrainerSampler.Crop(withoutRegion, side, options, null, before, after, eyeMask, regionMask);
        Assert.All(regionMask, value => Assert.Equal(0f, value));
        Assert.Contains(eyeMask, value => value > 0);
    }

    private static TrainerOptions Options(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 2,
        CropSize = 16,
        LearningRate = 2e-3,
        ValidationFraction = 0,
        NetworkOptions = s_tiny,
        Seed = 11,
    };

    /// <summary>Calls back on the training thread, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class Recorder(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
