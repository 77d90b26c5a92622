using System.Diagnostics;
using TinyBeauty.Model.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// Trains a <see cref="TinyBeautyNet"/> on before/after pairs with TorchSharp: Adam, a cosine learning-rate decay,
/// augmented square crops, per-epoch validation, atomic checkpoints, exact resumption and an ONNX export at the end.
/// </summary>
/// <remarks>
/// <para>
/// The network predicts a residual; the styled image is <c>clamp(before + residual, -1, 1)</c> and
/// <see cref="MakeupLoss"/> compares it with the after image. Training runs on the CPU, in the calling thread.
/// </para>
/// <para>
/// A run folder holds <c>checkpoint.safetensors</c> (the network's weights, loadable with
/// <see cref="Checkpoints.SafeTensors.Load(string)"/> and <see cref="TinyBeautyNet.LoadWeights"/>),
/// <c>trainer-state.safetensors</c> (Adam's <c>exp_avg</c> and <c>exp_avg_sq</c> per parameter, plus the
/// discriminator's state when there is one; its metadata holds the step count, the completed epochs, Adam's step and
/// the settings that must not change on resume), <c>losses.csv</c> (one row per step) with its plot
/// <c>losses.png</c> (see <see cref="LossCurvePlot"/>) and, at the end, <c>model.onnx</c> (which records the crop
/// size as its inference size, <see cref="OnnxExportOptions.InferenceSize"/>). Every file is written
/// to a temporary file in the folder and then renamed over the old one, so an interrupted write never damages the
/// previous checkpoint. The two checkpoint files are renamed one after the other; if the process dies between the two
/// renames, resuming fails with a message saying so rather than continuing from mismatched files.
/// </para>
/// <para>
/// Random choices (initial weights aside, which come from <c>torch.manual_seed(Seed)</c>) are a pure function of the
/// seed, the epoch and the step, so the step count is the whole random state: a resumed run takes exactly the steps
/// the uninterrupted run would have, and with one CPU thread (<c>torch.set_num_threads(1)</c>) ends with the same
/// weights. The discriminator draws nothing after its initialization; its power-iteration vectors are saved and
/// restored like its weights.
/// </para>
/// <para>
/// With a positive <see cref="MakeupLossOptions.AdversarialWeight"/> the trainer also creates a
/// <see cref="PatchDiscriminator"/> (<see cref="TrainerOptions.DiscriminatorWidth"/>,
/// <see cref="TrainerOptions.DiscriminatorDepth"/>; drawn from the same seeded generator right after the network)
/// with its own Adam, betas (0.5, 0.999) and <see cref="TrainerOptions.DiscriminatorLearningRate"/>. Each step
/// first updates the discriminator on the least-squares loss of <see cref="AdversarialLoss.DiscriminatorLoss"/>,
/// scoring the after images as real and the detached styled images as fake in one forward, then updates the
/// network on <see cref="MakeupLoss"/>, whose adversarial term scores the same styled images with the freshly
/// updated discriminator. During the network's update the discriminator's parameters do not require gradients,
/// so the generator's loss never reaches them. Validation scores with the discriminator in evaluation mode, so it
/// does not advance the power iteration. The discriminator's loss goes to the <c>discriminator</c> column of
/// <c>losses.csv</c> and to <see cref="TrainingProgress.DiscriminatorLoss"/>.
/// </para>
/// <para>
/// The discriminator's weights, its power-iteration vectors and its Adam state are stored in
/// <c>trainer-state.safetensors</c> under the prefix <c>discriminator.</c> rather than in a third file: they then
/// share the state file's atomic rename and its step check against <c>checkpoint.safetensors</c>, which adds no new
/// way for the files to disagree, and <c>checkpoint.safetensors</c> keeps holding exactly the network's weights.
/// </para>
/// <para>
/// Not done yet: GPU devices and mixed precision.
/// </para>
/// </remarks>
public sealed partial class Trainer
{
    /// <summary>The name of the network-weights checkpoint in the run folder.</summary>
    public const string CheckpointFileName = "checkpoint.safetensors";

    /// <summary>The name of the optimizer and progress state in the run folder.</summary>
    public const string StateFileName = "trainer-state.safetensors";

    /// <summary>The name of the per-step loss log in the run folder.</summary>
    public const string LossesFileName = "losses.csv";

    /// <summary>The name of the exported model in the run folder.</summary>
    public const string ModelFileName = "model.onnx";

    // Stream keys of TrainerRandom, so that shuffling, augmentation and the validation split never share numbers.
    private const long ShuffleStream = 1;
    private const long AugmentStream = 2;
    private const long SplitStream = 3;

    // The discriminator's Adam betas, the usual GAN setting (see TrainerOptions' remarks).
    private const double DiscriminatorBeta1 = 0.5;
    private const double DiscriminatorBeta2 = 0.999;

    /// <summary>Creates a trainer.</summary>
    /// <param name="options">The run's settings; null means the defaults.</param>
    /// <exception cref="ArgumentException">A setting is out of range (see <see cref="TrainerOptions.Validate"/>).
    /// </exception>
    public Trainer(TrainerOptions? options = null)
    {
        Options = options ?? new TrainerOptions();
        Options.Validate();
    }

    /// <summary>Gets the run's settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Returns the number of optimizer steps in a run over <paramref name="trainingPairs"/> pairs.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="trainingPairs"/> is below 1.</exception>
    public long CountSteps(int trainingPairs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainingPairs, 1);
        return (long)Options.Epochs * StepsPerEpoch(trainingPairs);
    }

    /// <summary>Returns the learning rate of a step of the cosine schedule.</summary>
    /// <param name="step">The 0-based step, in [0, <paramref name="totalSteps"/>).</param>
    /// <param name="totalSteps">The number of steps in the run, at least 1.</param>
    public double LearningRateAt(long step, long totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, totalSteps);
        var progress = totalSteps == 1 ? 0 : (double)step / (totalSteps - 1);
        var span = Options.LearningRate - Options.MinLearningRate;
        return Options.MinLearningRate + (span * (1 + Math.Cos(Math.PI * progress)) / 2);
    }

    /// <summary>
    /// Trains a network, writing checkpoints, the loss log and finally <c>model.onnx</c> to
    /// <paramref name="runDirectory"/>.
    /// </summary>
    /// <param name="train">The training pairs; at least one, each at least 8 x 8.</param>
    /// <param name="validation">
    /// The validation pairs; null means <see cref="TrainerOptions.ValidationFraction"/> of <paramref name="train"/> is
    /// held out. An empty source means no validation.
    /// </param>
    /// <param name="runDirectory">The run folder; created when missing.</param>
    /// <param name="progress">Receives a report after each step and after each epoch's validation, synchronously
    /// on the training thread if the implementation is synchronous; may be null.</param>
    /// <param name="cancellationToken">
    /// Checked after every step; when cancelled, a checkpoint of the steps done is written and
    /// <see cref="OperationCanceledException"/> is thrown. Resume with <see cref="TrainerOptions.Resume"/>.
    /// </param>
    /// <returns>What the run produced.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="train"/> holds no pair, or (on resume) the saved run used another seed, batch size, crop size,
    /// network shape, number of training pairs, adversarial weight or discriminator shape.
    /// </exception>
    /// <exception cref="InvalidDataException">A checkpoint file to resume from is damaged or mismatched; or no
    /// training pair can be read, or (with <see cref="TrainerOptions.StopOnBadPair"/>) one cannot. Unreadable pairs
    /// are otherwise skipped and listed in <see cref="TrainingResult.SkippedPairs"/>.</exception>
    /// <exception cref="OperationCanceledException">
    /// The token was cancelled; a checkpoint was written first.
    /// </exception>
    public TrainingResult Train(
        ITrainingPairSource train,
        ITrainingPairSource? validation,
        string runDirectory,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        cancellationToken.ThrowIfCancellationRequested();
        var (trainIndices, validationPairs) = Split(train, validation);

        var folder = Path.GetFullPath(runDirectory);
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        var stepsPerEpoch = StepsPerEpoch(trainIndices.Length);
        var totalSteps = (long)Options.Epochs * stepsPerEpoch;

        manual_seed(Options.Seed);
        using var network = new TinyBeautyNet(Options.NetworkOptions);

        // Drawn after the network, so a run without an adversarial term initializes the network as it always did.
        using var discriminator = Options.Loss.AdversarialWeight > 0
            ? new PatchDiscriminator(Options.DiscriminatorWidth, Options.DiscriminatorDepth)
            : null;
        using var loss = new MakeupLoss(Options.Loss, discriminator: discriminator);
        using var optimizer = optim.Adam(
            network.parameters(), Options.LearningRate, Options.Beta1, Options.Beta2);
        using var discriminatorOptimizer = discriminator is null
            ? null
            : optim.Adam(discriminator.parameters(), DiscriminatorRate, DiscriminatorBeta1, DiscriminatorBeta2);
        var adversary = discriminator is null ? null : new Adversary(discriminator, discriminatorOptimizer!);

        var fingerprint = Fingerprint(trainIndices.Length);
        var losses = new List<string>();
        long step = 0;
        if (Options.Resume && File.Exists(Path.Combine(folder, CheckpointFileName)))
        {
            step = LoadCheckpoint(folder, network, optimizer, adversary, fingerprint, totalSteps);
            losses.AddRange(ReadLosses(folder, step));
        }

        var firstStep = step;
        TimeSpan? firstStepTime = null;
        MakeupLossBreakdown? last = null;
        var discriminatorLoss = 0f;
        var metrics = new List<ValidationMetrics>();
        var side = Options.CropSize;
        var before = new float[Options.BatchSize * 3 * side * side];
        var after = new float[before.Length];
        var eyeMask = new float[Options.BatchSize * side * side];
        var regionMask = new float[eyeMask.Length];
        int[]? order = null;
        var orderEpoch = -1;
        var reader = new PairReader(train, Options.StopOnBadPair);
        network.train();
        discriminator?.train();

        while (step < totalSteps)
        {
            var epoch = (int)(step / stepsPerEpoch);
            var position = (int)(step % stepsPerEpoch);
            if (orderEpoch != epoch)
            {
                order = (int[])trainIndices.Clone();
                new TrainerRandom(Options.Seed, ShuffleStream, epoch).Shuffle(order);
                orderEpoch = epoch;
            }

            var start = position * Options.BatchSize;
            var count = Math.Min(Options.BatchSize, order!.Length - start);
            for (var slot = 0; slot < count; slot++)
            {
                var pair = reader.Read(order, start + slot, step + 1);
                var random = new TrainerRandom(Options.Seed, AugmentStream, step, slot);
                TrainerSampler.Crop(
                    pair,
                    side,
                    Options,
                    random,
                    before.AsSpan(slot * 3 * side * side, 3 * side * side),
                    after.AsSpan(slot * 3 * side * side, 3 * side * side),
                    eyeMask.AsSpan(slot * side * side, side * side),
                    regionMask.AsSpan(slot * side * side, side * side));
            }

            var learningRate = LearningRateAt(step, totalSteps);
            var rates = (learningRate, learningRate * DiscriminatorRate / Options.LearningRate);
            (last, discriminatorLoss) = Step(
                network, loss, optimizer, adversary, new Batch(before, after, eyeMask, regionMask), count, side, rates);
            step++;
            losses.Add(FormatLossRow(step, epoch + 1, last, learningRate, discriminatorLoss));

            // The first step of a call pays for warm-up (native library loading, allocator growth), so the estimate
            // uses the later steps once there are any.
            firstStepTime ??= clock.Elapsed;
            var timedSteps = step - firstStep - 1;
            var remaining = timedSteps == 0
                ? TimeSpan.FromTicks(firstStepTime.Value.Ticks * (totalSteps - step))
                : TimeSpan.FromTicks((clock.Elapsed - firstStepTime.Value).Ticks / timedSteps * (totalSteps - step));
            progress?.Report(new TrainingProgress(
                epoch + 1, Options.Epochs, step, totalSteps, last, learningRate, clock.Elapsed, remaining)
            {
                DiscriminatorLoss = discriminatorLoss,
                SkippedPairs = reader.Skipped.Count,
            });

            var epochEnd = step % stepsPerEpoch == 0;
            if (epochEnd && validationPairs.Count > 0)
            {
                var result = Validate(network, loss, validationPairs, epoch + 1, step);
                metrics.Add(result);
                progress?.Report(new TrainingProgress(
                    epoch + 1, Options.Epochs, step, totalSteps, last, learningRate, clock.Elapsed, remaining, result)
                {
                    DiscriminatorLoss = discriminatorLoss,
                    SkippedPairs = reader.Skipped.Count,
                });
            }

            var cancelled = cancellationToken.IsCancellationRequested;
            if (epochEnd || step % Options.CheckpointEvery == 0 || cancelled)
            {
                var epochsDone = (int)(step / stepsPerEpoch);
                SaveCheckpoint(folder, network, optimizer, adversary, fingerprint, step, epochsDone, losses);
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        var weights = network.ExportWeights();
        var modelPath = Path.Combine(folder, ModelFileName);
        OnnxExporter.Export(
            weights, Options.NetworkOptions, modelPath, new OnnxExportOptions { InferenceSize = Options.CropSize });
        WriteLosses(folder, losses);
        return new TrainingResult(
            totalSteps,
            step - firstStep,
            last,
            metrics,
            modelPath,
            Path.Combine(folder, CheckpointFileName),
            Path.Combine(folder, LossesFileName),
            clock.Elapsed)
        {
            SkippedPairs = reader.Skipped,
        };
    }

    private static (MakeupLossBreakdown Loss, float Discriminator) Step(
        TinyBeautyNet network,
        MakeupLoss loss,
        Adam optimizer,
        Adversary? adversary,
        Batch batch,
        int count,
        int side,
        (double Generator, double Discriminator) learningRates)
    {
        using var scope = NewDisposeScope();
        var (before, after, eyeMask, regionMask) = ToTensors(batch, count, side, side);
        var styled = (before + network.forward(before)).clamp(-1, 1);

        var discriminatorLoss = 0f;
        if (adversary is not null)
        {
            SetLearningRate(adversary.Optimizer, learningRates.Discriminator);
            discriminatorLoss = DiscriminatorStep(adversary.Discriminator, adversary.Optimizer, after, styled);
        }

        SetLearningRate(optimizer, learningRates.Generator);
        var breakdown = GeneratorStep(loss, optimizer, styled, after, (eyeMask, regionMask), before);
        return (breakdown, discriminatorLoss);
    }

    /// <summary>
    /// One discriminator update: <paramref name="real"/> towards 1, <paramref name="fake"/> (detached here) towards 0.
    /// </summary>
    /// <returns>The discriminator's loss before the update.</returns>
    internal static float DiscriminatorStep(PatchDiscriminator discriminator, Adam optimizer, Tensor real, Tensor fake)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();

        // One forward over both halves, so real and fake are scored after the same power-iteration step.
        var scores = discriminator.forward(cat([real, fake.detach()], 0));
        var realCount = real.shape[0];
        var value = AdversarialLoss.DiscriminatorLoss(
            scores.narrow(0, 0, realCount), scores.narrow(0, realCount, scores.shape[0] - realCount));
        value.backward();
        optimizer.step();
        return value.ToSingle();
    }

    /// <summary>
    /// One generator update on <see cref="MakeupLoss"/>; the loss's discriminator, if any, receives no gradient.
    /// </summary>
    internal static MakeupLossBreakdown GeneratorStep(
        MakeupLoss loss,
        Adam optimizer,
        Tensor styled,
        Tensor after,
        (Tensor Eye, Tensor Region) masks,
        Tensor before)
    {
        // The adversarial term backpropagates through the discriminator to the styled image. With the
        // discriminator's parameters not requiring gradients, nothing accumulates in them (and nothing is computed
        // for them), so its next update sees only its own loss.
        var frozen = loss.Discriminator?.parameters().ToList() ?? [];
        foreach (var parameter in frozen)
        {
            parameter.requires_grad = false;
        }

        try
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (total, breakdown) = loss.Compute(styled, after, masks.Eye, before, masks.Region);
            total.backward();
            optimizer.step();
            return breakdown;
        }
        finally
        {
            foreach (var parameter in frozen)
            {
                parameter.requires_grad = true;
            }
        }
    }

    private static void SetLearningRate(Adam optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }
    }

    private static (Tensor Before, Tensor After, Tensor EyeMask, Tensor RegionMask) ToTensors(
        Batch batch,
        int count,
        int height,
        int width)
    {
        var image = 3 * height * width;
        var before = tensor(batch.Before.AsSpan(0, count * image).ToArray(), [count, 3, height, width]);
        var after = tensor(batch.After.AsSpan(0, count * image).ToArray(), [count, 3, height, width]);
        var eyeMask = tensor(batch.EyeMask.AsSpan(0, count * height * width).ToArray(), [count, 1, height, width]);
        var regionMask = tensor(
            batch.RegionMask.AsSpan(0, count * height * width).ToArray(), [count, 1, height, width]);
        return (before, after, eyeMask, regionMask);
    }

    private ValidationMetrics Validate(
        TinyBeautyNet network,
        MakeupLoss loss,
        IReadOnlyList<TrainingPair> pairs,
        int epoch,
        long step)
    {
        network.eval();
        loss.Discriminator?.eval();
        double lossSum = 0, psnrSum = 0, ssimSum = 0;
        try
        {
            using var noGrad = no_grad();
            foreach (var pair in pairs)
            {
                using var scope = NewDisposeScope();
                var side = Options.CropSize;
                var (image, plane) = (3 * side * side, side * side);
                var batch = new Batch(new float[image], new float[image], new float[plane], new float[plane]);
                TrainerSampler.Crop(
                    pair, side, Options, null, batch.Before, batch.After, batch.EyeMask, batch.RegionMask);
                var (before, after, eyeMask, regionMask) = ToTensors(batch, 1, side, side);
                var styled = (before + network.forward(before)).clamp(-1, 1);
                lossSum += loss.Compute(styled, after, eyeMask, before, regionMask).Breakdown.Total;
                psnrSum += TrainerMetrics.PeakSignalToNoiseRatio(styled, after);
                ssimSum += TrainerMetrics.StructuralSimilarity(styled, after);
            }
        }
        finally
        {
            network.train();
            loss.Discriminator?.train();
        }

        return new ValidationMetrics(
            epoch, step, (float)(lossSum / pairs.Count), psnrSum / pairs.Count, ssimSum / pairs.Count);
    }

    private double DiscriminatorRate => Options.DiscriminatorLearningRate ?? Options.LearningRate;

    private int StepsPerEpoch(int trainingPairs) => (trainingPairs + Options.BatchSize - 1) / Options.BatchSize;

    private (int[] TrainIndices, IReadOnlyList<TrainingPair> Validation) Split(
        ITrainingPairSource train,
        ITrainingPairSource? validation)
    {
        if (train.Count < 1)
        {
            throw new ArgumentException("The training source holds no pair; at least one is needed.", nameof(train));
        }

        var all = Enumerable.Range(0, train.Count).ToArray();
        if (validation is not null)
        {
            var pairs = Enumerable.Range(0, validation.Count).Select(validation.Get).ToList();
            return (all, pairs);
        }

        var held = Math.Min(train.Count - 1, (int)Math.Floor(train.Count * Options.ValidationFraction));
        if (held <= 0)
        {
            return (all, []);
        }

        new TrainerRandom(Options.Seed, SplitStream).Shuffle(all);
        var heldOut = all[..held].Order().Select(train.Get).ToList();
        return (all[held..].Order().ToArray(), heldOut);
    }

    /// <summary>
    /// Reads training pairs in an epoch's order and replaces one that cannot be read by the next readable pair of
    /// that order (wrapping around), so that the replacement, like everything else, depends only on the step.
    /// </summary>
    private sealed class PairReader(ITrainingPairSource source, bool stopOnBadPair)
    {
        private readonly HashSet<int> _bad = [];
        private readonly List<SkippedTrainingPair> _skipped = [];

        public IReadOnlyList<SkippedTrainingPair> Skipped => _skipped;

        public TrainingPair Read(int[] order, int position, long step)
        {
            for (var offset = 0; offset < order.Length; offset++)
            {
                var index = order[(position + offset) % order.Length];
                if (_bad.Contains(index))
                {
                    continue;
                }

                try
                {
                    return source.Get(index);
                }
                catch (Exception exception) when (exception is InvalidDataException or IOException)
                {
                    var skipped = new SkippedTrainingPair(index, source.GetName(index), exception.Message, step);
                    if (stopOnBadPair)
                    {
                        throw new InvalidDataException(
                            $"Training pair '{skipped.Name}' cannot be read at step {step}: {skipped.Reason}",
                            exception);
                    }

                    _bad.Add(index);
                    _skipped.Add(skipped);
                }
            }

            throw new InvalidDataException(
                $"None of the {order.Length} training pairs can be read; the first: {_skipped[0]}");
        }
    }

    /// <summary>The discriminator of an adversarial run and its optimizer.</summary>
    private sealed record Adversary(PatchDiscriminator Discriminator, Adam Optimizer);

    /// <summary>One batch's host buffers: images [count, 3, side, side], masks [count, side, side].</summary>
    private readonly record struct Batch(float[] Before, float[] After, float[] EyeMask, float[] RegionMask);
}
