using System.CommandLine;
using TinyBeauty.Model;
using TinyBeauty.Model.Export;

namespace TinyBeauty.Cli;

/// <summary><c>export &lt;checkpoint&gt; -o &lt;model.onnx&gt;</c>: converts a checkpoint to ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint")
        {
            Description = "A TinyBeauty checkpoint: .pt/.pth (PyTorch) or .safetensors.",
        };
        var output = new Option<string>("--output", "-o") { Description = "The ONNX file to write.", Required = true };
        var graph = new Option<OnnxGraphStyle>("--graph")
        {
            Description = "Graph style: Plain (node for node) or Fast (upsampling folded into phase convolutions).",
            DefaultValueFactory = _ => OnnxExportOptions.Default.GraphStyle,
        };

        var size = new Option<int?>("--size")
        {
            Description = "Record this side (a multiple of 4) as the size the model was trained at; apply and "
                + "evaluate then run it at that size by default.",
        };

        var command = new Command("export", "Convert a checkpoint to an ONNX model.")
        {
            checkpoint, output, graph, size,
        };
        command.SetAction(result => CliRunner.Run(_ =>
        {
            var checkpointPath = result.GetRequiredValue(checkpoint);
            var outputPath = result.GetRequiredValue(output);
            if (!File.Exists(checkpointPath))
            {
                throw new CliException($"checkpoint '{checkpointPath}' does not exist");
            }

            var weights = ModelFiles.LoadWeights(checkpointPath, Path.GetExtension(checkpointPath).ToLowerInvariant());
            var options = TinyBeautyNetOptions.FromWeights(weights);
            var inferenceSize = result.GetValue(size);
            if (inferenceSize is { } side && (side < 8 || side % 4 != 0))
            {
                throw new CliException($"--size must be a multiple of 4 of at least 8; got {side}");
            }

            var exportOptions = new OnnxExportOptions
            {
                GraphStyle = result.GetValue(graph),
                InferenceSize = inferenceSize,
            };
            OnnxExporter.Export(weights, options, outputPath, exportOptions);
            Console.WriteLine(
                $"wrote {outputPath} (width {options.Width}, {options.CountParameters():N0} parameters)");
            return 0;
        }));
        return command;
    }
}
