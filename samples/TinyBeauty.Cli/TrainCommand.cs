using System.CommandLine;
using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Model;
using TinyBeauty.Model.Training;
using TinyBeauty.Onnx.Pairs;

namespace TinyBeauty.Cli;

/// <summary>
/// <c>train --pairs &lt;dir&gt; -o &lt;run-dir&gt;</c>: trains a style network on a pair folder and writes
/// <c>model.onnx</c>, checkpoints and <c>losses.csv</c> to the run folder.
/// </summary>
/// <remarks>
/// The loss curves are plotted to <c>losses.png</c> in the run folder at every checkpoint.
/// </remarks>
internal static class TrainCommand
{
    public static Command Create()
    {
        var pairs = new Option<string>("--pairs")
        {
            Description = "The pair folder: before/, after/ and optional masks/ ('eyes' or 'eye-region' for the "
                + "eyeliner term; 'lips', 'eye-region' and 'cheeks' for --region-emphasis).",
            Required = true,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "The run folder for checkpoints, losses.csv and model.onnx.",
            Required = true,
        };
        var defaults = new TrainerOptions();
        var epochs = new Option<int>("--epochs")
        {
            Description = "Passes over the pairs.",
            DefaultValueFactory = _ => defaults.Epochs,
        };
        var batch = new Option<int>("--batch")
        {
            Description = "Pairs per step.",
            DefaultValueFactory = _ => defaults.BatchSize,
        };
        var crop = new Option<int>("--crop")
        {
            Description = "Side of the square training crops (a multiple of 4).",
            DefaultValueFactory = _ => defaults.CropSize,
        };
        var learningRate = new Option<double>("--lr")
        {
            Description = "Initial learning rate (cosine decay to 0).",
            DefaultValueFactory = _ => defaults.LearningRate,
        };
        var width = new Option<int>("--width")
        {
            Description = "Feature channels of the network (24 is the official size).",
            DefaultValueFactory = _ => TinyBeautyNetOptions.Official.Width,
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run saved in the run folder.",
        };
        var changeEmphasis = new Option<double>("--change-emphasis")
        {
            Description = "Extra L1 weight where the makeup changes the photo (0 = plain L1; 10-20 for short runs).",
        };
        var regionEmphasis = new Option<double>("--region-emphasis")
        {
            Description = "Extra L1 weight inside the pairs' lips, eye-region and cheeks masks (0 = off; try 15).",
        };
        var adversarial = new Option<double>("--adversarial")
        {
            Description = "Weight of the adversarial term; above 0 a PatchGAN discriminator is trained too (0 = off).",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the initial weights, shuffling and augmentation.",
            DefaultValueFactory = _ => defaults.Seed,
        };
        var l1 = new Option<double>("--l1")
        {
            Description = "Weight of the L1 reconstruction term.",
            DefaultValueFactory = _ => defaults.Loss.ReconstructionWeight,
        };
        var squared = new Option<double>("--squared")
        {
            Description = "Weight of the squared-difference term beside L1 (teaches faint makeup; try 10).",
        };
        var eyeliner = new Option<double>("--eyeliner")
        {
            Description = "Weight of the eyeliner term (Sobel edges inside the pairs' eyes or eye-region masks).",
            DefaultValueFactory = _ => defaults.Loss.EyelinerWeight,
        };
        var perceptualWeights = new Option<string?>("--perceptual-weights")
        {
            Description = "torchvision VGG-16 weights (a torch.save'd state dict) for the perceptual term; without "
                + "them the term is off.",
        };
        var perceptual = new Option<double>("--perceptual")
        {
            Description = "Weight of the perceptual term (used only with --perceptual-weights).",
            DefaultValueFactory = _ => 0.1,
        };
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Write a checkpoint every this many steps (and at every epoch's end).",
            DefaultValueFactory = _ => defaults.CheckpointEvery,
        };
        var validation = new Option<double>("--validation")
        {
            Description = "Share of the pairs held out for validation, in [0, 1).",
            DefaultValueFactory = _ => defaults.ValidationFraction,
        };
        var stopOnBadPair = new Option<bool>("--stop-on-bad-pair")
        {
            Description = "Stop at the first pair that cannot be read (by default it is skipped and reported).",
        };

        var command = new Command("train", "Train a style model on before/after pairs.")
        {
            pairs, output, epochs, batch, crop, learningRate, width, changeEmphasis, regionEmphasis, adversarial, l1,
            squared, eyeliner, perceptual, perceptualWeights, checkpointEvery, validation, stopOnBadPair, resume, seed,
        };
        command.SetAction(result => CliRunner.Run(cancellationToken =>
        {
            var batchSize = result.GetValue(batch);
            var cropSize = result.GetValue(crop);
            if (batchSize < 1)
            {
                throw new CliException($"--batch must be at least 1; got {batchSize}");
            }

            if (cropSize < TinyBeautyNetOptions.MinimumSide || cropSize % 4 != 0)
            {
                throw new CliException($"--crop must be a multiple of 4 of at least 8; got {cropSize}");
            }

            var vggPath = result.GetValue(perceptualWeights);
            if (vggPath is not null && !File.Exists(vggPath))
            {
                throw new CliException($"the perceptual weights file '{vggPath}' does not exist");
            }

            var options = new TrainerOptions
            {
                Epochs = result.GetValue(epochs),
                BatchSize = batchSize,
                CropSize = cropSize,
                LearningRate = result.GetValue(learningRate),
                Resume = result.GetValue(resume),
                Seed = result.GetValue(seed),
                CheckpointEvery = result.GetValue(checkpointEvery),
                ValidationFraction = result.GetValue(validation),
                StopOnBadPair = result.GetValue(stopOnBadPair),
                NetworkOptions = TinyBeautyNetOptions.Official with { Width = result.GetValue(width) },
                Loss = new MakeupLossOptions
                {
                    ReconstructionWeight = result.GetValue(l1),
                    ChangeEmphasis = result.GetValue(changeEmphasis),
                    RegionEmphasis = result.GetValue(regionEmphasis),
                    SquaredWeight = result.GetValue(squared),
                    EyelinerWeight = result.GetValue(eyeliner),
                    PerceptualWeight = vggPath is null ? 0 : result.GetValue(perceptual),
                    PerceptualWeightsPath = vggPath,
                    AdversarialWeight = result.GetValue(adversarial),
                },
            };
            return Execute(result.GetRequiredValue(pairs), result.GetRequiredValue(output), options, cancellationToken);
        }));
        return command;
    }

    private static int Execute(string pairsPath, string runPath, TrainerOptions options, CancellationToken token)
    {
        var trainer = new Trainer(options);
        var folder = PairFolder.Open(pairsPath);
        foreach (var problem in folder.Problems)
        {
            Console.Error.WriteLine($"warning: skipped {CliRunner.OneLine(problem.ToString())}");
        }

        var usable = new List<PairEntry>();
        foreach (var pair in folder.Pairs)
        {
            if (Math.Min(pair.Width, pair.Height) < TinyBeautyNetOptions.MinimumSide)
            {
                Console.Error.WriteLine(
                    $"warning: skipped {pair.Name}: {pair.Width}x{pair.Height} is below the 8x8 minimum");
                continue;
            }

            usable.Add(pair);
        }

        if (usable.Count == 0)
        {
            throw new CliException($"'{pairsPath}' holds no pair of at least 8x8 pixels");
        }

        Console.Error.WriteLine(DescribeLoss(options.Loss, usable));
        var source = new PairFolderSource(usable);
        var bar = new ProgressLine();
        try
        {
            var result = trainer.Train(source, null, runPath, bar, token);
            bar.Finish();
            var problems = folder.Problems.Select(problem => CliRunner.OneLine(problem.ToString()))
                .Concat(result.SkippedPairs.Select(pair => CliRunner.OneLine(pair.ToString())))
                .ToList();
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"skipped {problem}");
            }

            var loss = result.FinalLoss is null ? "no step left" : $"final loss {Format(result.FinalLoss.Total)}";
            var skipped = problems.Count == 0 ? string.Empty : $", {problems.Count} pairs skipped";
            Console.WriteLine($"wrote {result.ModelPath} ({result.Steps} steps, {loss}{skipped})");
            return 0;
        }
        catch (OperationCanceledException)
        {
            bar.Finish();
            Console.Error.WriteLine(
                $"stopped after step {bar.LastStep}; checkpoint saved in {runPath}; continue with --resume");
            throw;
        }
    }

    /// <summary>One line naming every loss term and its weight, and why a term is off.</summary>
    private static string DescribeLoss(MakeupLossOptions loss, IReadOnlyList<PairEntry> pairs)
    {
        var withEyeMasks = pairs.Count(pair => PairFolderSource.EyeRegions.Any(pair.MaskPaths.ContainsKey));
        var eyeliner = loss.EyelinerWeight == 0
            ? "off"
            : withEyeMasks == 0
                ? "off (no pair has an eyes or eye-region mask)"
                : $"{CliRunner.Format(loss.EyelinerWeight)} ({withEyeMasks} of {pairs.Count} pairs have eye masks)";
        var perceptual = loss.PerceptualWeightsPath is null
            ? "off (no VGG-16 weights; pass --perceptual-weights)"
            : CliRunner.Format(loss.PerceptualWeight);
        var adversarial = loss.AdversarialWeight == 0 ? "off" : CliRunner.Format(loss.AdversarialWeight);
        var squared = loss.SquaredWeight == 0 ? "off" : CliRunner.Format(loss.SquaredWeight);
        var withRegionMasks = pairs.Count(pair => PairFolderSource.MakeupRegions.Any(pair.MaskPaths.ContainsKey));
        var region = loss.RegionEmphasis == 0
            ? "off"
            : withRegionMasks == 0
                ? "off (no pair has a lips, eye-region or cheeks mask)"
                : $"{CliRunner.Format(loss.RegionEmphasis)} "
                    + $"({withRegionMasks} of {pairs.Count} pairs have region masks)";
        return $"loss: L1 {CliRunner.Format(loss.ReconstructionWeight)}, squared {squared}, "
            + $"change emphasis {CliRunner.Format(loss.ChangeEmphasis)}, region emphasis {region}, "
            + $"eyeliner {eyeliner}, perceptual {perceptual}, adversarial {adversarial}";
    }

    private static string Format(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>Serves the pairs of a folder to the trainer, decoding them on every read to keep memory flat.</summary>
    private sealed class PairFolderSource(IReadOnlyList<PairEntry> pairs) : ITrainingPairSource
    {
        public static readonly string[] EyeRegions = ["eyes", "eye-region"];

        /// <summary>The masks whose union is a pair's region mask, the regions a style's quality is scored in.
        /// </summary>
        public static readonly string[] MakeupRegions = ["lips", "eye-region", "cheeks"];

        public int Count => pairs.Count;

        public string GetName(int index) => pairs[index].Name;

        public TrainingPair Get(int index)
        {
            using var pair = pairs[index].Load();
            var mask = EyeRegions
                .Select(region => pair.Masks.TryGetValue(region, out var weights) ? weights : null)
                .FirstOrDefault(weights => weights is not null);
            return new TrainingPair(
                ToPlanar(pair.Before),
                ToPlanar(pair.After),
                pair.Height,
                pair.Width,
                mask?.Select(weight => weight / 255f).ToArray())
            {
                RegionMask = UnionOfRegions(pair.Masks, pair.Width * pair.Height),
            };
        }

        /// <summary>The pixel-wise maximum of the pair's makeup-region masks in [0, 1], or null if it has none.
        /// </summary>
        private static float[]? UnionOfRegions(IReadOnlyDictionary<string, byte[]> masks, int pixels)
        {
            float[]? union = null;
            foreach (var region in MakeupRegions)
            {
                if (!masks.TryGetValue(region, out var weights))
                {
                    continue;
                }

                union ??= new float[pixels];
                for (var index = 0; index < pixels; index++)
                {
                    union[index] = Math.Max(union[index], weights[index] / 255f);
                }
            }

            return union;
        }

        private static float[] ToPlanar(Image<Rgb24> image)
        {
            var plane = image.Width * image.Height;
            var values = new float[3 * plane];
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (var x = 0; x < row.Length; x++)
                    {
                        var index = (y * rows.Width) + x;
                        values[index] = (row[x].R / 127.5f) - 1f;
                        values[plane + index] = (row[x].G / 127.5f) - 1f;
                        values[(2 * plane) + index] = (row[x].B / 127.5f) - 1f;
                    }
                }
            });
            return values;
        }
    }

    /// <summary>A one-line progress bar on standard error, redrawn with a carriage return after every step.</summary>
    private sealed class ProgressLine : IProgress<TrainingProgress>
    {
        private readonly ProgressDisplay _display = new();

        public long LastStep { get; private set; }

        public void Report(TrainingProgress value)
        {
            LastStep = value.Step;
            if (value.Validation is { } validation)
            {
                Finish();
                Console.Error.WriteLine(
                    $"epoch {validation.Epoch}: validation loss {Format(validation.Loss)}, "
                    + $"PSNR {validation.PeakSignalToNoiseRatio:0.00} dB, "
                    + $"SSIM {Format(validation.StructuralSimilarity)}");
                return;
            }

            var details = $"loss {Format(value.Loss.Total)}"
                + (value.DiscriminatorLoss > 0 ? $" d-loss {Format(value.DiscriminatorLoss)}" : string.Empty)
                + $" lr {value.LearningRate.ToString("0.0e+0", CultureInfo.InvariantCulture)}";
            _display.Write(ProgressDisplay.Format(
                $"epoch {value.Epoch}/{value.Epochs}", "step", value.Step, value.TotalSteps, details, value.Remaining));
        }

        public void Finish() => _display.Finish();
    }
}
