using System.CommandLine;
using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Amplify.Diffusion.Guidance;
using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Amplify.Diffusion.Pipeline;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Faces;
using static TorchSharp.torch;

namespace TinyBeauty.Cli;

/// <summary>
/// <c>amplify finetune</c>, <c>amplify generate</c> and <c>amplify describe</c>: the Stable Diffusion 1.5 amplifier.
/// </summary>
internal static class AmplifyDiffusionCommands
{
    private static readonly string[] s_configs = ["sd15", "tiny"];
    private static readonly string[] s_components =
        ["unet", "vae", "image-encoder", "controlnet", "image-proj", "lora"];

    /// <summary><c>amplify finetune --base &lt;dir&gt; --seeds &lt;dir&gt; -o &lt;lora.safetensors&gt;</c>.</summary>
    public static Command CreateFinetune()
    {
        var baseFolder = BaseOption();
        var seeds = new Option<string>("--seeds")
        {
            Description = "The pair folder of seed pairs (before/, after/, masks/<name>-<region>.png).",
            Required = true,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "The LoRA file to write (with the projection under image_proj.); the optimiser state goes "
                + "beside it as <file>.state.safetensors.",
            Required = true,
        };
        var epochs = new Option<int>("--epochs")
        {
            Description = "How many times every seed pair is visited.",
            DefaultValueFactory = _ => 100,
        };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Stop after this many steps in all." };
        var size = SizeOption();
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue from the state file beside the output, if there is one.",
        };
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Write a checkpoint every this many steps (0: only at the end).",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<long>("--seed") { Description = "The seed of the LoRA, the pair order and the noise." };
        var config = ConfigOption();
        var device = DeviceOption();
        var requireFloat32 = RequireFloat32Option();

        var command = new Command("finetune", "Fine-tune LoRA layers and the image projection on seed pairs.")
        {
            baseFolder, seeds, output, epochs, maxSteps, size, resume, checkpointEvery, seed, config, device,
            requireFloat32,
        };
        command.SetAction(result => CliRunner.Run(cancellationToken =>
        {
            var options = new DiffusionFinetuneOptions
            {
                Epochs = result.GetValue(epochs),
                MaxSteps = result.GetValue(maxSteps),
                Size = result.GetValue(size),
                Resume = result.GetValue(resume),
                CheckpointEvery = result.GetValue(checkpointEvery),
                Seed = result.GetValue(seed),
            };
            using var models = LoadModels(
                result.GetRequiredValue(baseFolder),
                result.GetRequiredValue(config),
                result.GetValue(device),
                result.GetValue(requireFloat32));
            return Finetune(
                models, result.GetRequiredValue(seeds), result.GetRequiredValue(output), options, cancellationToken);
        }));
        return command;
    }

    /// <summary><c>amplify generate --base &lt;dir&gt; --lora &lt;file&gt; --style &lt;png&gt; --faces &lt;dir&gt;
    /// -o &lt;dir&gt;</c>.</summary>
    public static Command CreateGenerate()
    {
        var baseFolder = BaseOption();
        var lora = new Option<string>("--lora")
        {
            Description = "The fine-tuned LoRA file written by 'amplify finetune'.",
            Required = true,
        };
        var style = new Option<string[]>("--style")
        {
            Description = "A makeup reference image, as <file> (painted on the default regions face, lips, brows and "
                + "eyes) or <region>[+<region>...]=<file> (say lips=red.png); repeat it to paint several regions in "
                + "different styles in one pass.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var faces = new Option<string>("--faces")
        {
            Description = "The folder of face photos (.png, .jpg, .jpeg).",
            Required = true,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "The pair folder to write (before/, after/, masks/); a rerun skips finished photos.",
            Required = true,
        };
        var steps = new Option<int>("--steps")
        {
            Description = "The Euler-Ancestral steps of the full schedule.",
            DefaultValueFactory = _ => 10,
        };
        var strength = new Option<double>("--strength")
        {
            Description = "The img2img strength: the fraction of the schedule that runs.",
            DefaultValueFactory = _ => 0.3,
        };
        var size = SizeOption();
        var seed = new Option<int>("--seed") { Description = "The seed of the sampling noise." };
        var synthesis = new Option<string>("--synthesis")
        {
            Description = "The residual synthesis weights: paper (lambda_m 1, lambda_d 0.8) or released "
                + "(lambda_m 0.9, lambda_d 0.7, the released code's values).",
            DefaultValueFactory = _ => "paper",
        };
        synthesis.AcceptOnlyFromAmong("paper", "released");
        var noMaskGuidance = new Option<bool>("--no-mask-guidance")
        {
            Description = "Let sampling change the latents outside the changed mask too (by default they are kept "
                + "from the input at every step).",
        };
        var config = ConfigOption();
        var device = DeviceOption();
        var requireFloat32 = RequireFloat32Option();

        var command = new Command("generate", "Generate before/after pairs with the fine-tuned diffusion model.")
        {
            baseFolder, lora, style, faces, output, steps, strength, size, seed, synthesis, noMaskGuidance, config,
            device, requireFloat32,
        };
        command.SetAction(result => CliRunner.Run(cancellationToken =>
        {
            var options = new DiffusionGenerateOptions
            {
                Steps = result.GetValue(steps),
                Strength = result.GetValue(strength),
                Size = result.GetValue(size),
                Seed = result.GetValue(seed),
                Synthesis = result.GetValue(synthesis) == "released"
                    ? ResidualDiffusionOptions.ReleasedCode
                    : ResidualDiffusionOptions.Paper,
                MaskGuidance = !result.GetValue(noMaskGuidance),
            };
            options.Validate();
            var styleArguments = result.GetRequiredValue(style).Select(ParseStyleArgument).ToArray();

            using var models = LoadModels(
                result.GetRequiredValue(baseFolder),
                result.GetRequiredValue(config),
                result.GetValue(device),
                result.GetValue(requireFloat32));
            DiffusionLoraFile.Load(result.GetRequiredValue(lora), models.InjectLora(), models.Projection);
            return Generate(
                models,
                styleArguments,
                result.GetRequiredValue(faces),
                result.GetRequiredValue(output),
                options,
                cancellationToken);
        }));
        return command;
    }

    /// <summary><c>amplify describe --config &lt;sd15|tiny&gt; --component &lt;name&gt;</c>.</summary>
    public static Command CreateDescribe()
    {
        var config = ConfigOption();
        var component = new Option<string>("--component")
        {
            Description = "The network: " + string.Join(", ", s_components) + ".",
            Required = true,
        };
        component.AcceptOnlyFromAmong(s_components);

        var command = new Command(
            "describe", "Print every parameter of a network as <name><TAB><comma-separated dims>, in file order.")
        {
            config, component,
        };
        command.SetAction(result => CliRunner.Run(_ =>
        {
            var name = result.GetRequiredValue(config) == "tiny"
                ? DiffusionConfigName.Tiny
                : DiffusionConfigName.StableDiffusion15;
            foreach (var parameter in Describe(name, result.GetRequiredValue(component)))
            {
                Console.WriteLine(parameter.ToString());
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The parameters of a component; <c>lora</c> lists the rank-4 LoRA weights of the UNet's attention projections
    /// in the processor naming that the fine-tuner writes, sorted by name as in the file.
    /// </summary>
    private static IEnumerable<ParameterShape> Describe(DiffusionConfigName name, string component)
    {
        if (component != "lora")
        {
            return DiffusionComponents.Describe(name, component switch
            {
                "unet" => DiffusionComponent.UNet,
                "vae" => DiffusionComponent.Vae,
                "image-encoder" => DiffusionComponent.ImageEncoder,
                "controlnet" => DiffusionComponent.ControlNet,
                _ => DiffusionComponent.ImageProjection,
            });
        }

        const int Rank = LoraLinear.DefaultRank;
        var targets = LoraInjectionOptions.AttentionProjections.Select(target => "." + target + ".weight").ToArray();
        var lora = new List<ParameterShape>();
        foreach (var parameter in DiffusionComponents.Describe(name, DiffusionComponent.UNet))
        {
            if (!targets.Any(target => parameter.Name.EndsWith(target, StringComparison.Ordinal)))
            {
                continue;
            }

            var path = parameter.Name[..^".weight".Length];
            var (output, input) = (parameter.Shape[0], parameter.Shape[1]);
            lora.Add(new ParameterShape(new LoraKey(path, LoraPart.Down).Format(LoraKeyForm.Processor), [Rank, input]));
            lora.Add(new ParameterShape(new LoraKey(path, LoraPart.Up).Format(LoraKeyForm.Processor), [output, Rank]));
        }

        return lora.OrderBy(parameter => parameter.Name, StringComparer.Ordinal);
    }

    private static int Finetune(
        DiffusionModels models,
        string seedsFolder,
        string outputPath,
        DiffusionFinetuneOptions options,
        CancellationToken cancellationToken)
    {
        var finetuner = new DiffusionFinetuner(models, options);
        var display = new ProgressDisplay();
        var progress = display.For<DiffusionFinetuneProgress>(value => ProgressDisplay.Format(
            null, "step", value.Step, value.TotalSteps,
            $"loss {value.Loss.ToString("0.0000", CultureInfo.InvariantCulture)}", value.Remaining));
        DiffusionFinetuneReport report;
        try
        {
            report = finetuner.Run(seedsFolder, outputPath, progress, cancellationToken);
        }
        finally
        {
            display.Finish();
        }

        foreach (var problem in report.Skipped)
        {
            Console.Error.WriteLine($"skipped {problem.Path}: {problem.Reason}");
        }

        var last = report.Losses.Count > 0
            ? $", last loss {report.Losses[^1].ToString("0.0000", CultureInfo.InvariantCulture)}"
            : string.Empty;
        Console.WriteLine(
            $"{report.Losses.Count} steps run ({report.TotalSteps} in all) on {report.PairsUsed} seed pairs{last}; "
            + $"LoRA written to {outputPath}");
        return 0;
    }

    /// <summary>Reads <c>&lt;file&gt;</c> or <c>&lt;region&gt;[+&lt;region&gt;...]=&lt;file&gt;</c>.</summary>
    private static (string Path, string[]? Regions) ParseStyleArgument(string argument)
    {
        var (path, regions) = (argument, (string[]?)null);
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && !File.Exists(argument))
        {
            path = argument[(equals + 1)..];
            regions = argument[..equals].Split('+', StringSplitOptions.TrimEntries);
            if (regions.Any(region => region.Length == 0))
            {
                throw new CliException($"--style '{argument}' has an empty region name");
            }
        }

        if (!File.Exists(path))
        {
            throw new CliException($"style reference '{path}' does not exist");
        }

        return (path, regions);
    }

    private static int Generate(
        DiffusionModels models,
        IReadOnlyList<(string Path, string[]? Regions)> styleArguments,
        string facesFolder,
        string outputFolder,
        DiffusionGenerateOptions options,
        CancellationToken cancellationToken)
    {
        var images = new List<Image<Rgb24>>();
        try
        {
            var styles = new List<DiffusionStyleReference>();
            foreach (var (path, regions) in styleArguments)
            {
                images.Add(MakeupImage.Load(path));
                styles.Add(new DiffusionStyleReference(images[^1], regions));
            }

            return Generate(models, styles, facesFolder, outputFolder, options, cancellationToken);
        }
        finally
        {
            foreach (var image in images)
            {
                image.Dispose();
            }
        }
    }

    private static int Generate(
        DiffusionModels models,
        IReadOnlyList<DiffusionStyleReference> styles,
        string facesFolder,
        string outputFolder,
        DiffusionGenerateOptions options,
        CancellationToken cancellationToken)
    {
        using var mesh = new FaceMesh();
        var generator = new DiffusionPairGenerator(models, DiffusionFaceCrops.FromFaceMesh(mesh), options);
        var display = new ProgressDisplay();
        var progress = display.For<DiffusionGenerateProgress>(value => ProgressDisplay.Format(
            null, "photo", value.Done, value.Total,
            $"{value.Current} pairs {value.PairsWritten} new {value.PairsAlreadyDone} kept", value.Remaining));
        DiffusionGenerateReport report;
        try
        {
            report = generator.Run(facesFolder, styles, outputFolder, progress, cancellationToken);
        }
        finally
        {
            display.Finish();
        }

        Console.WriteLine(
            $"{report.Written} pairs written, {report.PairsAlreadyDone} already present; pairs in {outputFolder}");
        foreach (var problem in report.Problems)
        {
            Console.Error.WriteLine($"skipped {problem.Path}: {problem.Reason}");
        }

        return 0;
    }

    private static DiffusionModels LoadModels(string baseFolder, string config, string? device, bool requireFloat32)
    {
        var options = new DiffusionModelsOptions
        {
            Configs = config == "tiny" ? DiffusionModelConfigs.Tiny : DiffusionModelConfigs.StableDiffusion15,
            Device = device is null or "cpu" ? null : new Device(device),
            Weights = new DiffusionWeightsOptions { RequireFloat32 = requireFloat32 },
        };
        return DiffusionModels.Load(baseFolder, options);
    }

    private static Option<string> BaseOption() => new("--base")
    {
        Description = "The Stable Diffusion 1.5 folder in diffusers layout (unet/, vae/, image_encoder/, optional "
            + "controlnet/ and image_proj/).",
        Required = true,
    };

    private static Option<int> SizeOption() => new("--size")
    {
        Description = "The side of the square images, in pixels (a multiple of 64 for SD1.5).",
        DefaultValueFactory = _ => 512,
    };

    private static Option<string> ConfigOption()
    {
        var option = new Option<string>("--config")
        {
            Description = "The network shapes: sd15 (the real models) or tiny (diffusers' test networks).",
            DefaultValueFactory = _ => "sd15",
        };
        option.AcceptOnlyFromAmong(s_configs);
        return option;
    }

    private static Option<bool> RequireFloat32Option() => new("--require-fp32")
    {
        Description = "Refuse weights files that hold fp16 or bf16 tensors (by default they are converted to fp32).",
    };

    private static Option<string?> DeviceOption() => new("--device")
    {
        Description = "Where the networks run: cpu (default) or cuda (needs the CUDA libtorch package).",
    };
}
