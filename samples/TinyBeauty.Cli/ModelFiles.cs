using TinyBeauty.Model;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;

namespace TinyBeauty.Cli;

/// <summary>Turns any model file the CLI accepts into the bytes of an ONNX model.</summary>
internal static class ModelFiles
{
    /// <summary>
    /// Reads an ONNX model as it is, or converts a PyTorch checkpoint (.pt, .pth) or a safetensors file to ONNX in
    /// memory. Conversion is managed code only: it needs no libtorch.
    /// </summary>
    public static byte[] LoadAsOnnx(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"model file '{path}' does not exist");
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new CliException($"model file '{path}' is empty (0 bytes)");
        }

        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".onnx")
        {
            return File.ReadAllBytes(path);
        }

        var weights = LoadWeights(path, extension);
        var options = TinyBeautyNetOptions.FromWeights(weights);
        return OnnxExporter.ExportToBytes(weights, options);
    }

    /// <summary>Reads the weights of a checkpoint or safetensors file.</summary>
    public static StateDictionary LoadWeights(string path, string extension) => extension switch
    {
        ".pt" or ".pth" or ".ckpt" => PyTorchCheckpoint.Load(path),
        ".safetensors" => SafeTensors.Load(path),
        _ => throw new CliException(
            $"model file '{path}' has an unknown extension; use .onnx, .pt, .pth or .safetensors"),
    };
}
