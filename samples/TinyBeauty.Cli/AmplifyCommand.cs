using System.CommandLine;
using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Core;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Cli;

/// <summary><c>amplify ...</c>: turns a few faces into many before/after training pairs.</summary>
internal static class AmplifyCommand
{
    public static Command Create() =>
        new("amplify", "Make before/after training pairs from a folder of faces.")
        {
            CreateRender(),
            CreateEstimate(),
            AmplifyDiffusionCommands.CreateFinetune(),
            AmplifyDiffusionCommands.CreateGenerate(),
            AmplifyDiffusionCommands.CreateDescribe(),
        };

    /// <summary><c>amplify render --style &lt;style.json&gt; --faces &lt;dir&gt; -o &lt;pairs-dir&gt;</c>.</summary>
    private static Command CreateRender()
    {
        var style = new Option<string>("--style")
        {
            Description = "The style file (JSON) to paint.",
            Required = true,
        };
        var faces = new Option<string>("--faces")
        {
            Description = "The folder of face photos (.png, .jpg, .jpeg).",
            Required = true,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "The pair folder to write (before/, after/, masks/); a rerun skips finished pairs.",
            Required = true,
        };
        var count = new Option<int>("--count")
        {
            Description = "How many pairs to write, shared out over the faces found (default: one per face).",
        };
        var size = new Option<int>("--size")
        {
            Description = "The side of the square pair images, in pixels.",
            DefaultValueFactory = _ => 256,
        };
        var cropScale = new Option<float>("--crop-scale")
        {
            Description = "The crop's side as a multiple of the face's landmark extent.",
            DefaultValueFactory = _ => 1.6f,
        };
        var cropJitter = new Option<float>("--crop-jitter")
        {
            Description = "Random variation of the crop for the extra pairs of a face (0 to 0.3).",
            DefaultValueFactory = _ => 0.1f,
        };
        var styleJitter = new Option<float>("--style-jitter")
        {
            Description = "Random variation of colours and opacities for the extra pairs of a face (0 to 1).",
        };
        var rotationJitter = new Option<float>("--rotation-jitter")
        {
            Description = "Largest turn of the crop, in degrees, for the extra pairs of a face (0 to 45).",
        };
        var toneJitter = new Option<float>("--tone-jitter")
        {
            Description = "Random brightness, contrast, cast and saturation of the face for its extra pairs (0 to 1).",
        };
        var seed = new Option<int>("--seed") { Description = "The seed of the variations." };
        var stopOnProblem = new Option<bool>("--stop-on-problem")
        {
            Description = "Stop at the first unusable photo instead of skipping it and listing it at the end.",
        };

        var command = new Command("render", "Paint a makeup style on every face of a folder, writing training pairs.")
        {
            style, faces, output, count, size, cropScale, cropJitter, styleJitter, rotationJitter, toneJitter, seed,
            stopOnProblem,
        };
        command.SetAction(result => CliRunner.Run(cancellationToken =>
        {
            var options = new RenderAmplifierOptions
            {
                Count = result.GetValue(count),
                Size = result.GetValue(size),
                CropScale = result.GetValue(cropScale),
                CropJitter = result.GetValue(cropJitter),
                StyleJitter = result.GetValue(styleJitter),
                RotationJitter = result.GetValue(rotationJitter),
                ToneJitter = result.GetValue(toneJitter),
                Seed = result.GetValue(seed),
                StopOnProblem = result.GetValue(stopOnProblem),
            };
            return Render(
                result.GetRequiredValue(style),
                result.GetRequiredValue(faces),
                result.GetRequiredValue(output),
                options,
                cancellationToken);
        }));
        return command;
    }

    /// <summary><c>amplify estimate &lt;photo&gt; -o &lt;style.json&gt;</c>.</summary>
    private static Command CreateEstimate()
    {
        var photo = new Argument<string>("photo") { Description = "A photo of a made-up face." };
        var output = new Option<string>("--output", "-o")
        {
            Description = "The style file (JSON) to write.",
            Required = true,
        };
        var name = new Option<string>("--name")
        {
            Description = "The new style's name.",
            DefaultValueFactory = _ => "estimated",
        };

        var command = new Command(
            "estimate", "Estimate a style file from one photo of a made-up face (largest face is measured).")
        {
            photo, output, name,
        };
        command.SetAction(result => CliRunner.Run(_ => Estimate(
            result.GetRequiredValue(photo), result.GetRequiredValue(output), result.GetRequiredValue(name))));
        return command;
    }

    private static int Render(
        string stylePath, string facesFolder, string outputFolder, RenderAmplifierOptions options,
        CancellationToken cancellationToken)
    {
        var style = MakeupStyle.Load(stylePath);
        using var amplifier = new RenderAmplifier();
        var display = new ProgressDisplay();
        var progress = display.For<RenderProgress>(value => ProgressDisplay.Format(
            null, "pair", value.Done, value.Total, value.Current, value.Remaining));
        RenderReport report;
        try
        {
            report = amplifier.Run(facesFolder, style, outputFolder, options, progress, cancellationToken);
        }
        finally
        {
            display.Finish();
        }

        Console.WriteLine(
            $"{report.Written} pairs written, {report.AlreadyPresent} already present, "
            + $"{report.FacesFound} faces found; pairs in {outputFolder}");
        foreach (var problem in report.Problems)
        {
            Console.Error.WriteLine($"skipped {problem.Path}: {problem.Reason}");
        }

        return 0;
    }

    private static int Estimate(string photoPath, string outputPath, string name)
    {
        if (!File.Exists(photoPath))
        {
            throw new CliException($"photo '{photoPath}' does not exist");
        }

        using var photo = MakeupImage.Load(photoPath);
        var pixels = new byte[photo.Width * photo.Height * 3];
        photo.CopyPixelDataTo(pixels);
        var view = new ReadOnlyImageView(pixels, photo.Width, photo.Height, PixelLayout.Rgb24);

        using var mesh = new FaceMesh();
        var face = mesh.Find(view).MaxBy(found => found.Detection.Box.Area)
            ?? throw new CliException($"no face found in '{photoPath}'");
        var style = StyleEstimator.Estimate(view, face, name);
        style.Save(outputPath);
        Console.WriteLine($"{style.Description}; written to {outputPath}");
        return 0;
    }
}
