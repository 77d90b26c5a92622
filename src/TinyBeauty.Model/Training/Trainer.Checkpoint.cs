using System.Globalization;
using System.Text;
using TinyBeauty.Model.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>Checkpoints and the loss log of <see cref="Trainer"/>.</summary>
public sealed partial class Trainer
{
    private const string StateFormat = "tinybeauty-trainer-state/1";
    private const string FormatKey = "format";
    private const string StepKey = "step";
    private const string EpochKey = "epoch";
    private const string AdamStepKey = "adam_step";
    private const string AdversarialWeightKey = "adversarial_weight";

    // Tensors and metadata of the discriminator and its Adam carry this prefix in the state file.
    private const string DiscriminatorPrefix = "discriminator.";

    // New columns go at the end, so that readers of older files find every column where it was.
    private const string LossesHeader =
        "step,epoch,total,reconstruction,eyeliner,perceptual,adversarial,learning_rate,discriminator,squared";

    private Dictionary<string, string> Fingerprint(int trainingPairs)
    {
        var fingerprint = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["seed"] = Invariant(Options.Seed),
            ["batch_size"] = Invariant(Options.BatchSize),
            ["crop_size"] = Invariant(Options.CropSize),
            ["epochs"] = Invariant(Options.Epochs),
            ["training_pairs"] = Invariant(trainingPairs),
            ["width"] = Invariant(Options.NetworkOptions.Width),
            ["encoder_residual_blocks"] = Invariant(Options.NetworkOptions.EncoderResidualBlocks),
            ["decoder_residual_blocks"] = Invariant(Options.NetworkOptions.DecoderResidualBlocks),
            [AdversarialWeightKey] = Options.Loss.AdversarialWeight.ToString("R", CultureInfo.InvariantCulture),
        };
        if (Options.Loss.AdversarialWeight > 0)
        {
            fingerprint["discriminator_width"] = Invariant(Options.DiscriminatorWidth);
            fingerprint["discriminator_depth"] = Invariant(Options.DiscriminatorDepth);
        }

        return fingerprint;
    }

    private static void SaveCheckpoint(
        string folder,
        TinyBeautyNet network,
        Adam optimizer,
        Adversary? adversary,
        Dictionary<string, string> fingerprint,
        long step,
        int epoch,
        List<string> losses)
    {
        var states = AdamStates(network, optimizer);
        var optimizerState = new StateDictionary();
        using (var scope = NewDisposeScope())
        {
            foreach (var (name, state) in states)
            {
                optimizerState.Add(ToNamed($"exp_avg.{name}", state.exp_avg));
                optimizerState.Add(ToNamed($"exp_avg_sq.{name}", state.exp_avg_sq));
            }

            if (adversary is not null)
            {
                // The state dictionary holds the power-iteration vectors (buffers) as well as the parameters.
                foreach (var (name, value) in adversary.Discriminator.state_dict())
                {
                    optimizerState.Add(ToNamed(DiscriminatorPrefix + name, value));
                }

                foreach (var (name, state) in AdamStates(adversary.Discriminator, adversary.Optimizer))
                {
                    optimizerState.Add(ToNamed($"{DiscriminatorPrefix}exp_avg.{name}", state.exp_avg));
                    optimizerState.Add(ToNamed($"{DiscriminatorPrefix}exp_avg_sq.{name}", state.exp_avg_sq));
                }
            }
        }

        var stateMetadata = new Dictionary<string, string>(fingerprint, StringComparer.Ordinal)
        {
            [FormatKey] = StateFormat,
            [StepKey] = Invariant(step),
            [EpochKey] = Invariant(epoch),
            [AdamStepKey] = Invariant(states.Count == 0 ? 0 : states[0].State.step),
        };
        if (adversary is not null)
        {
            var discriminatorStates = AdamStates(adversary.Discriminator, adversary.Optimizer);
            stateMetadata[DiscriminatorPrefix + AdamStepKey] = Invariant(discriminatorStates[0].State.step);
        }
        var weightMetadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StepKey] = Invariant(step),
            [EpochKey] = Invariant(epoch),
        };

        // Each file goes through its own temporary file and rename; the weights go last, so a weights file is never
        // newer than the state beside it unless the process died between the two renames.
        SafeTensors.Save(optimizerState, Path.Combine(folder, StateFileName), stateMetadata);
        SafeTensors.Save(network.ExportWeights(), Path.Combine(folder, CheckpointFileName), weightMetadata);
        WriteLosses(folder, losses);
    }

    private long LoadCheckpoint(
        string folder,
        TinyBeautyNet network,
        Adam optimizer,
        Adversary? adversary,
        Dictionary<string, string> fingerprint,
        long totalSteps)
    {
        var checkpointPath = Path.Combine(folder, CheckpointFileName);
        var statePath = Path.Combine(folder, StateFileName);
        if (!File.Exists(statePath))
        {
            throw new InvalidDataException(
                $"Cannot resume: '{checkpointPath}' exists but '{statePath}' does not.");
        }

        var weightMetadata = SafeTensors.ReadMetadata(checkpointPath);
        var stateMetadata = SafeTensors.ReadMetadata(statePath);
        if (!stateMetadata.TryGetValue(FormatKey, out var format) || format != StateFormat)
        {
            throw new InvalidDataException($"'{statePath}' is not a TinyBeauty trainer state ({StateFormat}).");
        }

        foreach (var (key, value) in fingerprint)
        {
            if (key == "epochs")
            {
                continue;
            }

            // States written before adversarial training existed come from runs without it.
            if (!stateMetadata.TryGetValue(key, out var savedValue) && key == AdversarialWeightKey)
            {
                savedValue = "0";
            }

            if (savedValue != value)
            {
                throw new ArgumentException(
                    $"Cannot resume: the saved run has {key} {savedValue ?? "(missing)"} but this run has {value}; "
                    + "resume with the same settings and pairs, or start a new run folder.");
            }
        }

        var step = ReadLong(stateMetadata, StepKey, statePath);
        var weightStep = ReadLong(weightMetadata, StepKey, checkpointPath);
        if (step != weightStep)
        {
            throw new InvalidDataException(
                $"Cannot resume: '{checkpointPath}' is from step {weightStep} but '{statePath}' is from step {step}; "
                + "the run stopped while saving. Start a new run folder.");
        }

        if (step > totalSteps)
        {
            throw new ArgumentException(
                $"Cannot resume: the saved run is at step {step} but this run has only {totalSteps} steps.");
        }

        network.LoadWeights(SafeTensors.Load(checkpointPath));
        var saved = SafeTensors.Load(statePath);
        var adamStep = ReadLong(stateMetadata, AdamStepKey, statePath);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, state) in AdamStates(network, optimizer))
        {
            Restore(state.exp_avg, saved, $"exp_avg.{name}", statePath);
            Restore(state.exp_avg_sq, saved, $"exp_avg_sq.{name}", statePath);
            state.step = adamStep;
        }

        if (adversary is not null)
        {
            foreach (var (name, value) in adversary.Discriminator.state_dict())
            {
                Restore(value, saved, DiscriminatorPrefix + name, statePath);
            }

            var discriminatorStep = ReadLong(stateMetadata, DiscriminatorPrefix + AdamStepKey, statePath);
            foreach (var (name, state) in AdamStates(adversary.Discriminator, adversary.Optimizer))
            {
                Restore(state.exp_avg, saved, $"{DiscriminatorPrefix}exp_avg.{name}", statePath);
                Restore(state.exp_avg_sq, saved, $"{DiscriminatorPrefix}exp_avg_sq.{name}", statePath);
                state.step = discriminatorStep;
            }
        }

        return step;
    }

    private static List<(string Name, Adam.State State)> AdamStates(nn.Module module, Adam optimizer)
    {
        // Adam keeps one state per parameter, in the order the parameters were given: module.parameters().
        var states = optimizer.state_dict().State;
        var names = module.named_parameters().Select(parameter => parameter.name).ToList();
        if (states.Count != names.Count)
        {
            throw new InvalidOperationException(
                $"Adam holds {states.Count} parameter states but the module has {names.Count} parameters.");
        }

        return names.Select((name, index) => (name, (Adam.State)states[index])).ToList();
    }

    private static NamedTensor ToNamed(string name, Tensor value)
    {
        var values = value.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var shape = values.shape.Select(dimension => checked((int)dimension)).ToArray();
        return new NamedTensor(name, shape, values.data<float>().ToArray());
    }

    private static void Restore(Tensor target, StateDictionary saved, string name, string path)
    {
        if (!saved.TryGetValue(name, out var source)
            || !source.Shape.Select(dimension => (long)dimension).SequenceEqual(target.shape))
        {
            throw new InvalidDataException(
                $"'{path}' lacks tensor '{name}' of shape {ImageTensors.Format(target.shape)}, or it is misshaped.");
        }

        target.copy_(tensor(source.Data, target.shape));
    }

    private static long ReadLong(IReadOnlyDictionary<string, string> metadata, string key, string path)
    {
        if (!metadata.TryGetValue(key, out var text)
            || !long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            || value < 0)
        {
            throw new InvalidDataException($"'{path}' has no valid '{key}' in its metadata.");
        }

        return value;
    }

    private static string FormatLossRow(
        long step,
        int epoch,
        MakeupLossBreakdown loss,
        double learningRate,
        float discriminator) =>
        string.Join(
            ',',
            Invariant(step),
            Invariant(epoch),
            loss.Total.ToString("R", CultureInfo.InvariantCulture),
            loss.Reconstruction.ToString("R", CultureInfo.InvariantCulture),
            loss.Eyeliner.ToString("R", CultureInfo.InvariantCulture),
            loss.Perceptual.ToString("R", CultureInfo.InvariantCulture),
            loss.Adversarial.ToString("R", CultureInfo.InvariantCulture),
            learningRate.ToString("R", CultureInfo.InvariantCulture),
            discriminator.ToString("R", CultureInfo.InvariantCulture),
            loss.Squared.ToString("R", CultureInfo.InvariantCulture));

    private static IEnumerable<string> ReadLosses(string folder, long lastStep)
    {
        // Rows after the checkpoint's step belong to steps that are about to be taken again.
        var path = Path.Combine(folder, LossesFileName);
        if (!File.Exists(path))
        {
            return [];
        }

        // A file from before a column was added gets that column as 0, the value of a term that was not computed.
        var header = File.ReadLines(path).FirstOrDefault() ?? LossesHeader;
        var missing = LossesHeader.StartsWith(header + ",", StringComparison.Ordinal)
            ? LossesHeader.Count(character => character == ',') - header.Count(character => character == ',')
            : 0;
        var padding = string.Concat(Enumerable.Repeat(",0", missing));
        return File.ReadLines(path)
            .Skip(1)
            .Select(row => row + padding)
            .Where(row => long.TryParse(
                row.AsSpan(0, Math.Max(0, row.IndexOf(','))),
                NumberStyles.Integer,
                CultureInfo.InvariantCulture,
                out var step) && step <= lastStep)
            .ToList();
    }

    private static void WriteLosses(string folder, List<string> rows)
    {
        var text = new StringBuilder(LossesHeader).Append('\n');
        foreach (var row in rows)
        {
            text.Append(row).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        AtomicFile.Write(Path.Combine(folder, LossesFileName), stream => stream.Write(bytes));
        if (rows.Count > 0)
        {
            LossCurvePlot.Write(Path.Combine(folder, LossesFileName), Path.Combine(folder, LossCurvePlot.FileName));
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
