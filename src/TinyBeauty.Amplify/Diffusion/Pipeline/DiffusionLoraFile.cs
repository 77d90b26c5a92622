using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Model.Checkpoints;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// The fine-tuned weights file: the UNet's LoRA weights in diffusers' attention-processor naming (see
/// <see cref="LoraAdapter.Save"/>) plus the projection's weights under <see cref="ProjectionPrefix"/>, in one
/// float32 safetensors file.
/// </summary>
/// <remarks>
/// diffusers' <c>load_attn_procs</c> does not expect the <c>image_proj.</c> keys: drop them before loading the file
/// there, or load them into IP-Adapter's <c>ImageProjModel</c> (same key names after the prefix).
/// </remarks>
public static class DiffusionLoraFile
{
    /// <summary>The prefix of the projection's keys.</summary>
    public const string ProjectionPrefix = "image_proj.";

    /// <summary>Writes the LoRA and projection weights; the file is replaced atomically.</summary>
    /// <param name="path">The destination.</param>
    /// <param name="adapter">The UNet's LoRA layers.</param>
    /// <param name="projection">The projection, or null to write the LoRA weights only.</param>
    /// <exception cref="ArgumentNullException"><paramref name="adapter"/> is null.</exception>
    public static void Save(string path, LoraAdapter adapter, ImageTokenProjection? projection)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(adapter);
        SafeTensors.Save(ToStateDictionary(adapter, projection), path);
    }

    /// <summary>Reads a file written by <see cref="Save"/>; the projection's keys are optional.</summary>
    /// <param name="path">The file.</param>
    /// <param name="adapter">The LoRA layers to fill.</param>
    /// <param name="projection">The projection to fill when the file has its keys.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not safetensors, or a LoRA tensor is missing, unknown or
    /// misshaped; the message names it.</exception>
    /// <exception cref="DiffusionWeightsException">The projection's tensors do not fit the projection.</exception>
    public static void Load(string path, LoraAdapter adapter, ImageTokenProjection projection)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(projection);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The LoRA file '{Path.GetFullPath(path)}' does not exist.", path);
        }

        Apply(SafeTensors.Load(path), adapter, projection, Path.GetFileName(path));
    }

    internal static StateDictionary ToStateDictionary(LoraAdapter adapter, ImageTokenProjection? projection)
    {
        var dictionary = adapter.ToStateDictionary();
        if (projection is not null)
        {
            foreach (var (name, parameter) in projection.named_parameters())
            {
                dictionary.Add(ToNamed(ProjectionPrefix + name, parameter));
            }
        }

        return dictionary;
    }

    internal static void Apply(
        StateDictionary weights,
        LoraAdapter adapter,
        ImageTokenProjection projection,
        string source)
    {
        var lora = new StateDictionary();
        var projected = new StateDictionary();
        foreach (var tensor in weights.Tensors)
        {
            if (tensor.Name.StartsWith(ProjectionPrefix, StringComparison.Ordinal))
            {
                projected.Add(new NamedTensor(tensor.Name[ProjectionPrefix.Length..], tensor.Shape, tensor.Data));
            }
            else
            {
                lora.Add(tensor);
            }
        }

        adapter.Load(lora);
        if (projected.Count > 0)
        {
            DiffusionWeights.Load(projection, projected, source);
        }
    }

    internal static NamedTensor ToNamed(string name, Tensor tensor)
    {
        using var values = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var shape = values.shape.Select(dimension => checked((int)dimension)).ToArray();
        return new NamedTensor(name, shape, values.data<float>().ToArray());
    }
}
