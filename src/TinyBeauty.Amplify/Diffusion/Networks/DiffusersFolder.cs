using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// Builds the diffusion networks from a diffusers (Hugging Face) model folder: <c>&lt;root&gt;/unet</c>,
/// <c>&lt;root&gt;/vae</c> and <c>&lt;root&gt;/image_encoder</c>, each holding
/// <c>diffusion_pytorch_model.safetensors</c> (<c>model.safetensors</c> for the image encoder) or its
/// <c>.fp16.safetensors</c> variant; a ControlNet folder holds the file itself.
/// </summary>
/// <remarks>
/// The configs are given, not read from the folder's <c>config.json</c>: a file whose tensors do not fit the config
/// is refused with a <see cref="DiffusionWeightsException"/>. Only safetensors files are read (not <c>.bin</c>).
/// </remarks>
public static class DiffusersFolder
{
    /// <summary>The weights file name that diffusers writes for its networks.</summary>
    public const string DiffusersWeightsName = "diffusion_pytorch_model";

    /// <summary>The weights file name that transformers writes (the image encoder).</summary>
    public const string TransformersWeightsName = "model";

    /// <summary>
    /// Finds a component's weights: <c>&lt;folder&gt;/&lt;name&gt;.safetensors</c> or
    /// <c>&lt;folder&gt;/&lt;name&gt;.fp16.safetensors</c>, in the order that the options prefer.
    /// </summary>
    /// <param name="folder">The component folder.</param>
    /// <param name="weightsName">The file name without extension, such as <see cref="DiffusersWeightsName"/>.</param>
    /// <param name="options">Which variant comes first; null means <see cref="DiffusionWeightsOptions.Default"/>.
    /// </param>
    /// <returns>The full path of the first file that exists.</returns>
    /// <exception cref="DiffusionWeightsException">The folder or both files are missing; the message lists the
    /// paths tried.</exception>
    public static string FindWeights(string folder, string weightsName, DiffusionWeightsOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(weightsName);
        options ??= DiffusionWeightsOptions.Default;
        var full = Path.Combine(folder, weightsName + ".safetensors");
        var half = Path.Combine(folder, weightsName + ".fp16.safetensors");
        string[] candidates = options.PreferFloat16Variant ? [half, full] : [full, half];
        if (!Directory.Exists(folder))
        {
            throw new DiffusionWeightsException($"The model folder '{Path.GetFullPath(folder)}' does not exist.");
        }

        return candidates.FirstOrDefault(File.Exists) ?? throw new DiffusionWeightsException(
            $"No weights in '{Path.GetFullPath(folder)}': neither '{Path.GetFileName(candidates[0])}' nor "
            + $"'{Path.GetFileName(candidates[1])}' exists (only safetensors files are read).");
    }

    /// <summary>Builds the UNet from <c>&lt;root&gt;/unet</c>.</summary>
    /// <param name="root">The diffusers pipeline folder.</param>
    /// <param name="config">The UNet's shape; null means SD1.5.</param>
    /// <param name="options">Dtype and variant choices; null means the defaults.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <returns>The loaded network, owned by the caller.</returns>
    /// <exception cref="DiffusionWeightsException">The weights are missing or do not fit the config.</exception>
    public static UNet2DConditionModel LoadUNet(
        string root,
        UNet2DConditionConfig? config = null,
        DiffusionWeightsOptions? options = null,
        Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var path = FindWeights(Path.Combine(root, "unet"), DiffusersWeightsName, options);
        return LoadInto(new UNet2DConditionModel(config, device), path, options);
    }

    /// <summary>Builds the VAE from <c>&lt;root&gt;/vae</c> (legacy attention names are accepted).</summary>
    /// <param name="root">The diffusers pipeline folder.</param>
    /// <param name="config">The VAE's shape; null means SD1.5.</param>
    /// <param name="options">Dtype and variant choices; null means the defaults.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <returns>The loaded network, owned by the caller.</returns>
    /// <exception cref="DiffusionWeightsException">The weights are missing or do not fit the config.</exception>
    public static AutoencoderKL LoadVae(
        string root,
        AutoencoderKLConfig? config = null,
        DiffusionWeightsOptions? options = null,
        Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var path = FindWeights(Path.Combine(root, "vae"), DiffusersWeightsName, options);
        return LoadInto(new AutoencoderKL(config, device), path, options);
    }

    /// <summary>Builds the image encoder from <c>&lt;root&gt;/image_encoder</c> (transformers file naming).</summary>
    /// <param name="root">The folder holding <c>image_encoder</c>, such as h94/IP-Adapter's <c>models</c>.</param>
    /// <param name="config">The encoder's shape; null means ViT-H/14.</param>
    /// <param name="options">Dtype and variant choices; null means the defaults.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <returns>The loaded network, owned by the caller.</returns>
    /// <exception cref="DiffusionWeightsException">The weights are missing or do not fit the config.</exception>
    public static ClipVisionModelWithProjection LoadImageEncoder(
        string root,
        ClipVisionConfig? config = null,
        DiffusionWeightsOptions? options = null,
        Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var path = FindWeights(Path.Combine(root, "image_encoder"), TransformersWeightsName, options);
        return LoadInto(new ClipVisionModelWithProjection(config, device), path, options);
    }

    /// <summary>Builds a ControlNet from its own folder (such as lllyasviel/sd-controlnet-canny).</summary>
    /// <param name="folder">The folder holding <c>diffusion_pytorch_model.safetensors</c>.</param>
    /// <param name="config">The ControlNet's shape; null means SD1.5.</param>
    /// <param name="options">Dtype and variant choices; null means the defaults.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <returns>The loaded network, owned by the caller.</returns>
    /// <exception cref="DiffusionWeightsException">The weights are missing or do not fit the config.</exception>
    public static ControlNetModel LoadControlNet(
        string folder,
        ControlNetConfig? config = null,
        DiffusionWeightsOptions? options = null,
        Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var path = FindWeights(folder, DiffusersWeightsName, options);
        return LoadInto(new ControlNetModel(config, device), path, options);
    }

    private static T LoadInto<T>(T network, string path, DiffusionWeightsOptions? options)
        where T : nn.Module
    {
        try
        {
            DiffusionWeights.Load(network, path, options);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
