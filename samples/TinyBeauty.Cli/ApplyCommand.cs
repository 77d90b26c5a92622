using System.CommandLine;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Onnx.Styles;

namespace TinyBeauty.Cli;

/// <summary>
/// <c>apply &lt;input&gt; -o &lt;output&gt; [--style &lt;name&gt; | --model &lt;file&gt;]</c>: makes up one photo.
/// </summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The photo to make up (PNG, JPEG, BMP, ...)." };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write the made-up photo; the format follows the extension.",
            Required = true,
        };
        var model = new Option<string>("--model", "-m")
        {
            Description = "A style model file: .onnx, or a .pt/.pth or .safetensors checkpoint (converted in memory).",
        };
        var style = new Option<string>("--style", "-s")
        {
            Description = $"An embedded style (see 'styles'); used when no --model is given. "
                + $"Default: {DefaultStyles.DefaultName}.",
        };
        var intensity = new Option<float>("--intensity")
        {
            Description = "Makeup strength from 0 (none) to 2 (exaggerated).",
            DefaultValueFactory = _ => 1f,
        };
        var size = new Option<int>("--size")
        {
            Description = "Inference resolution (a multiple of 4); 0 = the size the model was trained at (256 when "
                + "it records none).",
            DefaultValueFactory = _ => MakeupSessionOptions.FromModel,
        };
        var threads = new Option<int>("--threads")
        {
            Description = "ONNX Runtime threads; 0 lets it choose.",
            DefaultValueFactory = _ => 0,
        };
        var maxPixels = new Option<long>("--max-pixels")
        {
            Description = "Refuse photos with more pixels than this (checked before decoding).",
            DefaultValueFactory = _ => MakeupImage.DefaultMaxPixels,
        };

        var perFace = new Option<bool>("--per-face")
        {
            Description = "For photos that are not face crops: find the faces and make up a region around each.",
        };

        var command = new Command("apply", "Make up a photo with an embedded style or a style model.")
        {
            input, output, model, style, intensity, size, threads, maxPixels, perFace,
        };
        command.SetAction(result => CliRunner.Run(_ => Execute(
            result.GetRequiredValue(input),
            result.GetRequiredValue(output),
            result.GetValue(model),
            result.GetValue(style),
            result.GetValue(intensity),
            new MakeupSessionOptions
            {
                InferenceSize = result.GetValue(size),
                IntraOpThreads = result.GetValue(threads),
            },
            result.GetValue(maxPixels),
            result.GetValue(perFace))));
        return command;
    }

    private static int Execute(
        string inputPath,
        string outputPath,
        string? modelPath,
        string? styleName,
        float intensity,
        MakeupSessionOptions options,
        long maxPixels,
        bool perFace)
    {
        MakeupImage.CheckWritableFormat(outputPath);
        if (!float.IsFinite(intensity) || intensity < 0f || intensity > 2f)
        {
            throw new CliException($"--intensity must be from 0 to 2, not {intensity}");
        }

        if (!File.Exists(inputPath))
        {
            throw new CliException($"input image '{inputPath}' does not exist");
        }

        if (modelPath is not null && styleName is not null)
        {
            throw new CliException("give either --model or --style, not both");
        }

        var model = modelPath is null
            ? DefaultStyles.ReadModel(styleName ?? DefaultStyles.DefaultName)
            : ModelFiles.LoadAsOnnx(modelPath);
        using var session = MakeupSession.Load(model, options);
        using var image = MakeupImage.Load(inputPath, maxPixels);
        var faces = string.Empty;
        if (perFace)
        {
            if (FaceDetector.DescribeTooSmall(image.Width, image.Height, inputPath) is { } tooSmall)
            {
                throw new CliException(tooSmall);
            }

            using var detector = new FaceDetector(options.IntraOpThreads);
            var count = session.ApplyToFaces(image, detector, intensity);
            if (count == 0)
            {
                throw new CliException($"no face found in '{inputPath}'");
            }

            faces = count == 1 ? ", 1 face" : $", {count} faces";
        }
        else
        {
            session.Apply(image, intensity);
        }

        MakeupImage.Save(image, outputPath);
        Console.WriteLine($"wrote {outputPath} ({image.Width}x{image.Height}{faces})");
        return 0;
    }
}
