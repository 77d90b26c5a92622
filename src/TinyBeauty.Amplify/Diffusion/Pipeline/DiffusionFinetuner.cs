using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TinyBeauty.Amplify.Diffusion.Guidance;
using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Amplify.Diffusion.Sampling;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Onnx.Pairs;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// Fine-tunes LoRA layers in the UNet's attention (and TinyBeauty's image-token projection) on a few seed pairs with
/// the mask-guided noise loss, as the TinyBeauty paper's amplifier does before generating pairs.
/// </summary>
/// <remarks>
/// <para>
/// The seeds are a pair folder (see <see cref="PairFolder"/>) whose pairs have masks. One step takes one pair (batch
/// 1; each epoch visits every pair once, in a seeded order): the after image is VAE-encoded (a draw from the latent
/// distribution, times the VAE's scaling factor), noised by <see cref="DdpmNoiser"/> at a random timestep, and the
/// UNet predicts the noise with the context projection(CLIP(after)) followed by projection(CLIP(before)): style
/// tokens, then identity tokens. The loss is <see cref="MaskedNoiseLoss"/> with the changed-region mask: the union
/// (maximum) of the pair's masks named in <see cref="DiffusionFinetuneOptions.MaskRegions"/>, resized to the image
/// size and averaged down to latent resolution. A pair without any of those masks, or one that cannot be read, is
/// skipped and reported.
/// </para>
/// <para>
/// The networks run where <see cref="DiffusionModels"/> put them (see <see cref="DiffusionModelsOptions.Device"/>).
/// Images are resized to <see cref="DiffusionFinetuneOptions.Size"/> square (stretched when they are not square),
/// masks with them. The optimiser is AdamW (betas 0.9 and 0.999, epsilon 1e-8, decoupled weight decay), written out
/// here so that its state is checkpointed exactly. Every random draw of step k comes from a CPU generator seeded from
/// the run's seed and k, so a resumed run draws what an uninterrupted one would.
/// </para>
/// <para>
/// Files: the output is a <see cref="DiffusionLoraFile"/>; beside it, <c>&lt;output&gt;.state.safetensors</c> holds
/// the trained weights, the optimiser's moments and (in its metadata) the step, seed and rank. Both are written
/// every <see cref="DiffusionFinetuneOptions.CheckpointEvery"/> steps, at the end and on cancellation, each
/// atomically (the state file first). With <see cref="DiffusionFinetuneOptions.Resume"/> a run continues from the
/// state file; on one CPU thread the final weights are identical to an uninterrupted run's.
/// </para>
/// </remarks>
public sealed class DiffusionFinetuner
{
    /// <summary>The suffix of the state file added to the output path.</summary>
    public const string StateSuffix = ".state.safetensors";

    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;
    private const string StepKey = "step";
    private const string SeedKey = "seed";
    private const string RankKey = "rank";
    private const string PairsKey = "pairs";
    private const string FirstMomentPrefix = "exp_avg.";
    private const string SecondMomentPrefix = "exp_avg_sq.";

    private readonly DiffusionModels _models;
    private readonly ILogger _logger;

    /// <summary>Creates a fine-tuner over networks the caller owns.</summary>
    /// <param name="models">The networks; LoRA layers are injected into the UNet on the first run.</param>
    /// <param name="options">Settings; null means the defaults.</param>
    /// <param name="logger">Receives the run's start and end (information), skipped seeds (warning) and
    /// checkpoints (debug); null means none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="models"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range, or the size is not a multiple of
    /// <see cref="DiffusionModelConfigs.SizeMultiple"/>.</exception>
    public DiffusionFinetuner(
        DiffusionModels models,
        DiffusionFinetuneOptions? options = null,
        ILogger<DiffusionFinetuner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Options = options ?? new DiffusionFinetuneOptions();
        Options.Validate();
        var multiple = models.Configs.SizeMultiple;
        if (Options.Size % multiple != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), Options.Size, $"The image size must be a multiple of {multiple} for these networks.");
        }

        _models = models;
    }

    /// <summary>Gets the settings.</summary>
    public DiffusionFinetuneOptions Options { get; }

    /// <summary>Returns the state file path of an output path.</summary>
    /// <param name="outputPath">The LoRA file.</param>
    /// <returns><paramref name="outputPath"/> + <see cref="StateSuffix"/>.</returns>
    public static string StatePath(string outputPath) => outputPath + StateSuffix;

    /// <summary>Runs the fine-tuning.</summary>
    /// <param name="seedsFolder">The pair folder of seed pairs with masks.</param>
    /// <param name="outputPath">The LoRA file to write (see <see cref="DiffusionLoraFile"/>).</param>
    /// <param name="progress">Receives a report after every step; may be null.</param>
    /// <param name="cancellationToken">Checked before every step; on cancellation the steps finished since the last
    /// checkpoint are checkpointed before the exception, so a resumed run loses nothing.</param>
    /// <returns>The losses and the skipped pairs.</returns>
    /// <exception cref="DirectoryNotFoundException">The seeds folder or its before/ or after/ is missing.</exception>
    /// <exception cref="InvalidDataException">No seed pair is usable (the message names the first files and why), or
    /// the state file to resume from is unreadable or was written with another seed, rank or pair count.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="InsufficientMemoryException">A step ran out of memory; the message names the step and says
    /// which checkpoint is intact.</exception>
    public DiffusionFinetuneReport Run(
        string seedsFolder,
        string outputPath,
        IProgress<DiffusionFinetuneProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(seedsFolder);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var folder = PairFolder.Open(seedsFolder);
        var skipped = folder.Problems.Select(problem => new DiffusionProblem(problem.Path, problem.Reason)).ToList();
        var device = _models.Device;
        var adapter = _models.InjectLora(Options.Rank, Options.Seed);

        var seeds = new List<Seed>();
        try
        {
            foreach (var entry in folder.Pairs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (PrepareSeed(entry, device, skipped) is { } seed)
                {
                    seeds.Add(seed);
                }
            }

            if (seeds.Count == 0)
            {
                throw new InvalidDataException(
                    $"No seed pair in '{folder.FolderPath}' is usable: "
                    + string.Join("; ", skipped.Take(3).Select(problem => problem.ToString())));
            }

            return Train(seeds, adapter, outputPath, device, skipped, progress, cancellationToken);
        }
        finally
        {
            seeds.ForEach(seed => seed.Dispose());
        }
    }

    private DiffusionFinetuneReport Train(
        List<Seed> seeds,
        LoraAdapter adapter,
        string outputPath,
        Device device,
        List<DiffusionProblem> skipped,
        IProgress<DiffusionFinetuneProgress>? progress,
        CancellationToken cancellationToken)
    {
        var parameters = adapter.TrainableParameters().ToList();
        foreach (var parameter in _models.Projection.parameters())
        {
            parameter.requires_grad = Options.TrainProjection;
            if (Options.TrainProjection)
            {
                parameters.Add(parameter);
            }
        }

        var firstMoments = parameters.Select(parameter => zeros_like(parameter)).ToList();
        var secondMoments = parameters.Select(parameter => zeros_like(parameter)).ToList();
        try
        {
            var total = Math.Min(Options.MaxSteps ?? int.MaxValue, Options.Epochs * seeds.Count);
            var statePath = StatePath(outputPath);
            var first = Options.Resume && File.Exists(statePath)
                ? LoadState(statePath, adapter, firstMoments, secondMoments, seeds.Count)
                : 0;
            first = Math.Min(first, total);
            foreach (var problem in skipped)
            {
                AmplifyLog.SeedSkipped(_logger, problem);
            }

            AmplifyLog.FinetuneStarted(_logger, seeds.Count, first, total);

            var noiser = new DdpmNoiser();
            var lossOptions = Options.Loss ?? new MaskedNoiseLossOptions();
            var losses = new List<double>();
            var clock = Stopwatch.StartNew();
            int[]? order = null;
            var orderEpoch = -1;
            var saved = first;
            for (var step = first; step < total; step++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Keep the finished steps: the state after a whole step is what an uninterrupted run had there.
                    if (step > saved)
                    {
                        SaveCheckpoint(outputPath, adapter, firstMoments, secondMoments, step, seeds.Count);
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                }

                var epoch = step / seeds.Count;
                if (epoch != orderEpoch)
                {
                    order = Shuffle(seeds.Count, Mix(Options.Seed, -1 - epoch));
                    orderEpoch = epoch;
                }

                var seed = seeds[order![step % seeds.Count]];
                double loss;
                try
                {
                    loss = TrainStep(seed, step, parameters, firstMoments, secondMoments, noiser, lossOptions, device);
                }
                catch (Exception exception) when (DiffusionMemory.IsOutOfMemory(exception))
                {
                    var kept = saved > 0
                        ? $"The checkpoint of step {saved} in '{outputPath}' is intact."
                        : "No checkpoint had been written yet.";
                    throw DiffusionMemory.Exhausted(
                        $"fine-tuning step {step + 1} at {Options.Size} x {Options.Size} on {device}", kept, exception);
                }

                losses.Add(loss);
                var done = step + 1;
                if ((Options.CheckpointEvery > 0 && done % Options.CheckpointEvery == 0) || done == total)
                {
                    SaveCheckpoint(outputPath, adapter, firstMoments, secondMoments, done, seeds.Count);
                    saved = done;
                }

                var perStep = clock.Elapsed / losses.Count;
                progress?.Report(new DiffusionFinetuneProgress(
                    done, total, loss, clock.Elapsed, perStep * (total - done)));
            }

            if (first == total && !File.Exists(outputPath))
            {
                SaveCheckpoint(outputPath, adapter, firstMoments, secondMoments, total, seeds.Count);
            }

            AmplifyLog.FinetuneFinished(_logger, total, losses.Count > 0 ? losses[^1] : double.NaN);
            return new DiffusionFinetuneReport(first, total, losses, seeds.Count, skipped);
        }
        finally
        {
            firstMoments.ForEach(moment => moment.Dispose());
            secondMoments.ForEach(moment => moment.Dispose());
            foreach (var parameter in _models.Projection.parameters())
            {
                parameter.requires_grad = false;
            }
        }
    }

    /// <summary>One optimiser step on one seed pair; returns its loss.</summary>
    private double TrainStep(
        Seed seed,
        int step,
        List<Parameter> parameters,
        List<Tensor> firstMoments,
        List<Tensor> secondMoments,
        DdpmNoiser noiser,
        MaskedNoiseLossOptions lossOptions,
        Device device)
    {
        using var scope = NewDisposeScope();
        using var generator = SeededNoise.CreateGenerator(Mix(Options.Seed, step));
        Tensor latents;
        using (no_grad())
        {
            latents = seed.Latents.Sample(generator) * _models.Configs.Vae.ScalingFactor;
        }

        var timesteps = noiser.SampleTimesteps(1, generator, device);
        var noise = SeededNoise.Like(latents, generator);
        var noisy = noiser.AddNoise(latents, noise, timesteps);
        var context = ImageTokenProjection.ConcatenateContext(
            _models.Projection.Forward(seed.StyleEmbedding),
            _models.Projection.Forward(seed.IdentityEmbedding));
        var predicted = _models.UNet.Forward(noisy, timesteps, context);
        var value = MaskedNoiseLoss.Compute(predicted, noise, seed.LatentMask, generator, lossOptions);
        value.backward();
        var loss = value.item<float>();
        AdamWStep(parameters, firstMoments, secondMoments, step + 1);
        return loss;
    }

    /// <summary>AdamW with decoupled weight decay and bias correction (PyTorch's formula); clears the gradients.
    /// </summary>
    private void AdamWStep(List<Parameter> parameters, List<Tensor> firstMoments, List<Tensor> secondMoments, int t)
    {
        using var noGrad = no_grad();
        var learningRate = Options.LearningRate;
        var correction1 = 1 - Math.Pow(Beta1, t);
        var correction2 = 1 - Math.Pow(Beta2, t);
        for (var index = 0; index < parameters.Count; index++)
        {
            var parameter = parameters[index];
            using var gradient = parameter.grad;
            if (gradient is null)
            {
                continue;
            }

            parameter.mul_(1 - (learningRate * Options.WeightDecay));
            firstMoments[index].mul_(Beta1).add_(gradient, alpha: 1 - Beta1);
            secondMoments[index].mul_(Beta2).addcmul_(gradient, gradient, value: 1 - Beta2);
            using var denominator = (secondMoments[index].sqrt() / Math.Sqrt(correction2)).add_(Epsilon);
            parameter.addcdiv_(firstMoments[index], denominator, value: -learningRate / correction1);
            gradient.zero_();
        }
    }

    private Seed? PrepareSeed(PairEntry entry, Device device, List<DiffusionProblem> skipped)
    {
        var regions = entry.MaskPaths.Keys.Where(Options.MaskRegions.Contains).ToList();
        if (regions.Count == 0)
        {
            skipped.Add(new DiffusionProblem(
                entry.BeforePath,
                $"The pair '{entry.Name}' has no {string.Join(", ", Options.MaskRegions)} mask (expected "
                + $"masks/{entry.Name}-<region>.png), so its changed region is unknown."));
            return null;
        }

        LoadedPair pair;
        try
        {
            pair = entry.Load();
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException)
        {
            skipped.Add(new DiffusionProblem(entry.BeforePath, exception.Message));
            return null;
        }

        using (pair)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var size = Options.Size;
            var union = new byte[pair.Width * pair.Height];
            foreach (var region in regions)
            {
                var mask = pair.Masks[region];
                for (var index = 0; index < union.Length; index++)
                {
                    union[index] = Math.Max(union[index], mask[index]);
                }
            }

            var after = DiffusionImages.ToTensor(pair.After, size, device);
            var before = DiffusionImages.ToTensor(pair.Before, size, device);
            var pixelMask = DiffusionImages.MaskToTensor(union, pair.Width, pair.Height, size, device);
            var latentMask = DiffusionImages.ToLatentMask(pixelMask, _models.Configs.Vae.DownscaleFactor);
            var latents = _models.Vae.Encode(after);
            var seed = new Seed(
                latents,
                DiffusionImages.Embed(_models, after).MoveToOuterDisposeScope(),
                DiffusionImages.Embed(_models, before).MoveToOuterDisposeScope(),
                latentMask.MoveToOuterDisposeScope());
            return seed;
        }
    }

    private void SaveCheckpoint(
        string outputPath,
        LoraAdapter adapter,
        List<Tensor> firstMoments,
        List<Tensor> secondMoments,
        int step,
        int pairs)
    {
        var state = DiffusionLoraFile.ToStateDictionary(adapter, _models.Projection);
        for (var index = 0; index < firstMoments.Count; index++)
        {
            state.Add(DiffusionLoraFile.ToNamed(FirstMomentPrefix + Invariant(index), firstMoments[index]));
            state.Add(DiffusionLoraFile.ToNamed(SecondMomentPrefix + Invariant(index), secondMoments[index]));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StepKey] = Invariant(step),
            [SeedKey] = Invariant(Options.Seed),
            [RankKey] = Invariant(Options.Rank),
            [PairsKey] = Invariant(pairs),
        };
        var folder = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        SafeTensors.Save(state, StatePath(outputPath), metadata);
        DiffusionLoraFile.Save(outputPath, adapter, _models.Projection);
        AmplifyLog.CheckpointWritten(_logger, step, outputPath);
    }

    private int LoadState(
        string statePath,
        LoraAdapter adapter,
        List<Tensor> firstMoments,
        List<Tensor> secondMoments,
        int pairs)
    {
        var metadata = SafeTensors.ReadMetadata(statePath);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SeedKey] = Invariant(Options.Seed),
            [RankKey] = Invariant(Options.Rank),
            [PairsKey] = Invariant(pairs),
        };
        foreach (var (key, value) in expected)
        {
            if (!metadata.TryGetValue(key, out var written) || written != value)
            {
                throw new InvalidDataException(
                    $"The state file '{statePath}' was written with {key} {written ?? "(none)"}, this run has {value}; "
                    + "delete it or run with the same settings.");
            }
        }

        if (!metadata.TryGetValue(StepKey, out var stepText)
            || !int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
        {
            throw new InvalidDataException($"The state file '{statePath}' has no valid step.");
        }

        var saved = SafeTensors.Load(statePath);
        var weights = new StateDictionary();
        foreach (var tensor in saved.Tensors)
        {
            if (!tensor.Name.StartsWith(FirstMomentPrefix, StringComparison.Ordinal)
                && !tensor.Name.StartsWith(SecondMomentPrefix, StringComparison.Ordinal))
            {
                weights.Add(tensor);
            }
        }

        var projection = weights.Keys.Any(
            key => key.StartsWith(DiffusionLoraFile.ProjectionPrefix, StringComparison.Ordinal));
        if (Options.TrainProjection && !projection)
        {
            throw new InvalidDataException($"The state file '{statePath}' lacks the projection's weights.");
        }

        DiffusionLoraFile.Apply(weights, adapter, _models.Projection, Path.GetFileName(statePath));
        using var noGrad = no_grad();
        for (var index = 0; index < firstMoments.Count; index++)
        {
            Restore(firstMoments[index], saved, FirstMomentPrefix + Invariant(index), statePath);
            Restore(secondMoments[index], saved, SecondMomentPrefix + Invariant(index), statePath);
        }

        return step;
    }

    private static void Restore(Tensor target, StateDictionary saved, string key, string statePath)
    {
        if (!saved.TryGetValue(key, out var source)
            || !source.Shape.Select(dimension => (long)dimension).SequenceEqual(target.shape))
        {
            throw new InvalidDataException($"The state file '{statePath}' lacks '{key}' or has it in another shape.");
        }

        using var values = tensor(source.Data, target.shape);
        target.copy_(values);
    }

    private static int[] Shuffle(int count, long seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)(seed ^ (seed >> 32)))).Shuffle(order);
        return order;
    }

    /// <summary>Mixes the run's seed with a step number (SplitMix64), the same in every process.</summary>
    private static long Mix(long seed, long step)
    {
        var value = unchecked((ulong)seed + (0x9E3779B97F4A7C15UL * (ulong)(step + 1)));
        value = unchecked((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL);
        value = unchecked((value ^ (value >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((long)(value ^ (value >> 31)));
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One prepared seed pair: its latent distribution, CLIP embeddings and latent mask.</summary>
    private sealed record Seed(LatentDistribution Latents, Tensor StyleEmbedding, Tensor IdentityEmbedding,
        Tensor LatentMask) : IDisposable
    {
        public void Dispose()
        {
            Latents.Dispose();
            StyleEmbedding.Dispose();
            IdentityEmbedding.Dispose();
            LatentMask.Dispose();
        }
    }
}
