using TinyBeauty.Amplify.Diffusion.Guidance;
using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Amplify.Diffusion.Pipeline;
using TinyBeauty.Amplify.Diffusion.Sampling;
using TinyBeauty.Amplify.Tests.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionFinetunerTests : IDisposable
{
    private const int Size = 32;

    private readonly string _root = Directory.CreateTempSubdirectory("tinybeauty-finetune-").FullName;

    public DiffusionFinetunerTests()
    {
        SeedPairs.Write(Seeds, 5, Size);
    }

    private string Seeds => Path.Combine(_root, "seeds");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Run_FiveTinySeeds_LowersTheMaskedLossOnFixedNoise()
    {
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 1);
        models.InjectLora();
        var before = FixedLoss(models);

        var report = new DiffusionFinetuner(models, Options() with { Epochs = 12, LearningRate = 1e-2 })
            .Run(Seeds, Path.Combine(_root, "lora.safetensors"));
        var after = FixedLoss(models);

        Assert.Equal(60, report.Losses.Count);
        Assert.Equal(5, report.PairsUsed);
        Assert.All(report.Losses, loss => Assert.True(double.IsFinite(loss)));
        Assert.True(after < before * 0.9, $"The loss went from {before} to {after}.");
    }

    [Fact]
    public void Run_WritesLoraWithProjectionThatLoadsBack()
    {
        var output = Path.Combine(_root, "lora.safetensors");
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 2);
        new DiffusionFinetuner(models, Options() with { MaxSteps = 3 }).Run(Seeds, output);

        using var other = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 2);
        DiffusionLoraFile.Load(output, other.InjectLora(), other.Projection);

        Assert.True(File.Exists(DiffusionFinetuner.StatePath(output)));
        var pairs = models.Projection.parameters().Zip(other.Projection.parameters())
            .Concat(models.Lora!.TrainableParameters().Zip(other.Lora!.TrainableParameters()));
        Assert.All(pairs, pair => TinyNetworks.AssertIdentical(pair.First, pair.Second));
    }

    [Fact]
    public void Run_ResumedAfterCancellationBetweenCheckpoints_LosesNoStepAndMatchesAnUninterruptedRun()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            var whole = Path.Combine(_root, "whole.safetensors");
            using (var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 3))
            {
                new DiffusionFinetuner(models, Options() with { MaxSteps = 9 }).Run(Seeds, whole);
            }

            var parts = Path.Combine(_root, "parts.safetensors");
            using (var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 3))
            {
                using var cancel = new CancellationTokenSource();
                var progress = new Inline<DiffusionFinetuneProgress>(report =>
                {
                    if (report.Step == 5)
                    {
                        cancel.Cancel();
                    }
                });
                Assert.Throws<OperationCanceledException>(() =>
                    new DiffusionFinetuner(models, Options() with { MaxSteps = 9, CheckpointEvery = 2 })
                        .Run(Seeds, parts, progress, cancel.Token));
            }

            using (var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 3))
            {
                var report = new DiffusionFinetuner(models, Options() with { MaxSteps = 9, Resume = true })
                    .Run(Seeds, parts);
                // Checkpoints every 2 steps; cancelled after step 5, which is checkpointed on the way out.
                Assert.Equal(5, report.FirstStep);
                Assert.Equal(4, report.Losses.Count);
            }

            Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(parts));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Fact]
    public void Run_SeedWithoutMasks_IsSkippedAndReported()
    {
        var folder = Path.Combine(_root, "partly");
        SeedPairs.Write(folder, 3, Size, "seed1");
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 4);

        var report = new DiffusionFinetuner(models, Options() with { MaxSteps = 2 })
            .Run(folder, Path.Combine(_root, "lora.safetensors"));

        Assert.Equal(2, report.PairsUsed);
        var problem = Assert.Single(report.Skipped);
        Assert.EndsWith("seed1.png", problem.Path, StringComparison.Ordinal);
        Assert.Contains("mask", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WithLogger_LogsTheSkippedSeedTheRunAndEachCheckpoint()
    {
        var folder = Path.Combine(_root, "partly");
        SeedPairs.Write(folder, 3, Size, "seed1");
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 4);
        var logger = new RecordingLogger<DiffusionFinetuner>();

        new DiffusionFinetuner(models, Options() with { MaxSteps = 2, CheckpointEvery = 1 }, logger)
            .Run(folder, Path.Combine(_root, "lora.safetensors"));

        var warning = Assert.Single(logger.Events, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal(102, warning.Id.Id);
        Assert.Contains("seed1.png", warning.Message, StringComparison.Ordinal);
        Assert.Equal([100, 101, 101, 103], logger.Events.Where(e => e.Id.Id != 102).Select(e => e.Id.Id));
        Assert.Contains("Fine-tuning on 2 seed pairs: steps 0 to 2", logger.Events[1].Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoSeedHasMasks_ThrowsNamingTheFiles()
    {
        var folder = Path.Combine(_root, "bare");
        SeedPairs.Write(folder, 2, Size, "seed0", "seed1");
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 5);

        var exception = Assert.Throws<InvalidDataException>(() =>
            new DiffusionFinetuner(models, Options()).Run(folder, Path.Combine(_root, "lora.safetensors")));

        Assert.Contains("seed0.png", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ResumeWithAnotherSeed_RefusesTheStateFile()
    {
        var output = Path.Combine(_root, "lora.safetensors");
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 7);
        new DiffusionFinetuner(models, Options() with { MaxSteps = 2 }).Run(Seeds, output);

        using var other = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 7);
        var resumed = new DiffusionFinetuner(other, Options() with { MaxSteps = 4, Resume = true, Seed = 12 });
        var exception = Assert.Throws<InvalidDataException>(() => resumed.Run(Seeds, output));

        Assert.Contains("seed", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SeedsLargerThanTheSize_AreResized()
    {
        var folder = Path.Combine(_root, "large");
        SeedPairs.Write(folder, 2, 40);
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 8);

        var report = new DiffusionFinetuner(models, Options() with { MaxSteps = 2 })
            .Run(folder, Path.Combine(_root, "lora.safetensors"));

        Assert.Equal(2, report.Losses.Count);
        Assert.Empty(report.Skipped);
    }

    [Fact]
    public void Constructor_SizeNotAMultipleOfTheNetworks_Throws()
    {
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 6);

        Assert.Throws<ArgumentOutOfRangeException>(() => new DiffusionFinetuner(models, Options() with { Size = 30 }));
    }

    private static DiffusionFinetuneOptions Options() => new()
    {
        Size = Size,
        Epochs = 2,
        CheckpointEvery = 0,
        Seed = 11,
    };

    /// <summary>The masked loss of every seed at three fixed timesteps with fixed noise, LoRA and projection as now.
    /// </summary>
    private double FixedLoss(DiffusionModels models)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var folder = TinyBeauty.Onnx.Pairs.PairFolder.Open(Seeds);
        var noiser = new DdpmNoiser();
        var total = 0.0;
        foreach (var entry in folder.Pairs)
        {
            using var pair = entry.Load();
            var after = DiffusionImages.ToTensor(pair.After, Size, CPU);
            var before = DiffusionImages.ToTensor(pair.Before, Size, CPU);
            var mask = DiffusionImages.ToLatentMask(
                DiffusionImages.MaskToTensor(pair.Masks["face"], Size, Size, Size, CPU), 2);
            using var distribution = models.Vae.Encode(after);
            var latents = distribution.Mean * models.Configs.Vae.ScalingFactor;
            var context = ImageTokenProjection.ConcatenateContext(
                models.Projection.Forward(DiffusionImages.Embed(models, after)),
                models.Projection.Forward(DiffusionImages.Embed(models, before)));
            foreach (var t in new long[] { 100, 500, 900 })
            {
                using var generator = SeededNoise.CreateGenerator(t);
                var noise = SeededNoise.Like(latents, generator);
                var timesteps = tensor(new[] { t });
                var predicted = models.UNet.Forward(noiser.AddNoise(latents, noise, timesteps), timesteps, context);
                total += MaskedNoiseLoss.Compute(predicted, noise, mask, generator).item<float>();
            }
        }

        return total;
    }

    private sealed class Inline<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
