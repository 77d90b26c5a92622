using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Amplify.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// The networks of the Stable Diffusion amplifier, owned together: the UNet, the VAE, the CLIP image encoder,
/// TinyBeauty's image-token projection and an optional ControlNet.
/// </summary>
/// <remarks>
/// <para>
/// The folder layout is diffusers': <c>unet/</c>, <c>vae/</c> and <c>controlnet/</c> hold
/// <c>diffusion_pytorch_model.safetensors</c>, and <c>image_encoder/</c> holds <c>model.safetensors</c> (the CLIP
/// vision encoder of h94/IP-Adapter, copied or linked in). TinyBeauty adds an optional <c>image_proj/</c> with
/// <c>diffusion_pytorch_model.safetensors</c> for the projection; without it the projection starts from seeded
/// random weights, and a fine-tuned LoRA file brings its own (see <see cref="DiffusionFinetuner"/>).
/// </para>
/// <para>
/// Every network is frozen (no gradients) and in evaluation mode after loading; the fine-tuner unfreezes what it
/// trains. Disposing this object disposes every network.
/// </para>
/// </remarks>
public sealed class DiffusionModels : IDisposable
{
    /// <summary>The subfolder of the projection's weights.</summary>
    public const string ProjectionFolder = "image_proj";

    /// <summary>The subfolder of the ControlNet's weights.</summary>
    public const string ControlNetFolder = "controlnet";

    private bool _disposed;

    private DiffusionModels(
        DiffusionModelConfigs configs,
        UNet2DConditionModel unet,
        AutoencoderKL vae,
        ClipVisionModelWithProjection imageEncoder,
        ImageTokenProjection projection,
        ControlNetModel? controlNet,
        Device device)
    {
        Configs = configs;
        UNet = unet;
        Vae = vae;
        ImageEncoder = imageEncoder;
        Projection = projection;
        ControlNet = controlNet;
        Device = device;
        var networks = new nn.Module?[] { unet, vae, imageEncoder, projection, controlNet };
        foreach (var network in networks.OfType<nn.Module>())
        {
            network.eval();
            foreach (var parameter in network.parameters())
            {
                parameter.requires_grad = false;
            }
        }
    }

    /// <summary>Gets the network shapes (with the ControlNet config only when a ControlNet is held).</summary>
    public DiffusionModelConfigs Configs { get; }

    /// <summary>Gets the denoising UNet.</summary>
    public UNet2DConditionModel UNet { get; }

    /// <summary>Gets the autoencoder.</summary>
    public AutoencoderKL Vae { get; }

    /// <summary>Gets the CLIP image encoder.</summary>
    public ClipVisionModelWithProjection ImageEncoder { get; }

    /// <summary>Gets TinyBeauty's image-token projection.</summary>
    public ImageTokenProjection Projection { get; }

    /// <summary>Gets the ControlNet, or null when none was loaded.</summary>
    public ControlNetModel? ControlNet { get; }

    /// <summary>Gets the device of every parameter.</summary>
    public Device Device { get; }

    /// <summary>Gets the UNet's LoRA layers, or null until <see cref="InjectLora"/> has run.</summary>
    public LoraAdapter? Lora { get; private set; }

    /// <summary>
    /// Injects LoRA layers into the UNet's attention projections (to_q, to_k, to_v, to_out.0), once: later calls
    /// return the same layers. Fresh layers leave the UNet's output unchanged (their up-projections are zero).
    /// </summary>
    /// <param name="rank">The rank of every update; default 4.</param>
    /// <param name="seed">The seed of the down-projections' initial values.</param>
    /// <returns>The LoRA layers.</returns>
    /// <exception cref="InvalidOperationException">LoRA layers of another rank are already injected.</exception>
    /// <exception cref="ObjectDisposedException">The networks have been disposed.</exception>
    public LoraAdapter InjectLora(int rank = LoraLinear.DefaultRank, long seed = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Lora is not null)
        {
            var existing = Lora.Layers.Values.First().Rank;
            return existing == rank
                ? Lora
                : throw new InvalidOperationException($"LoRA layers of rank {existing} are already injected.");
        }

        Lora = LoraAdapter.Inject(UNet, new LoraInjectionOptions { Rank = rank, Seed = seed });
        return Lora;
    }

    /// <summary>Loads the networks from a diffusers-style folder (see the remarks).</summary>
    /// <param name="baseFolder">The folder holding <c>unet/</c>, <c>vae/</c>, <c>image_encoder/</c> and the optional
    /// <c>controlnet/</c> and <c>image_proj/</c>.</param>
    /// <param name="options">Shapes, device and dtype choices; null means SD1.5 on the CPU.</param>
    /// <returns>The networks, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The folder path is empty, or the configs do not fit together.</exception>
    /// <exception cref="DiffusionWeightsException">The folder, a subfolder or a weights file is missing, or the
    /// weights do not fit the configs; the message names the path.</exception>
    /// <exception cref="InsufficientMemoryException">The networks do not fit in memory.</exception>
    public static DiffusionModels Load(string baseFolder, DiffusionModelsOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseFolder);
        options ??= new DiffusionModelsOptions();
        var configs = options.Configs;
        if (!Directory.Exists(baseFolder))
        {
            throw new DiffusionWeightsException(
                $"The base model folder '{Path.GetFullPath(baseFolder)}' does not exist.");
        }

        var controlNetFolder = Path.Combine(baseFolder, ControlNetFolder);
        var withControlNet = Directory.Exists(controlNetFolder);
        configs = withControlNet
            ? configs with { ControlNet = configs.ControlNet ?? ControlNetConfig.StableDiffusion15 }
            : configs with { ControlNet = null };
        configs.Validate();
        var device = options.Device ?? CPU;
        var weights = options.Weights;

        return Build($"building the networks of '{baseFolder}'", device, owned =>
        {
            var unet = Own(owned, DiffusersFolder.LoadUNet(baseFolder, configs.UNet, weights, device));
            var vae = Own(owned, DiffusersFolder.LoadVae(baseFolder, configs.Vae, weights, device));
            var encoder = Own(
                owned,
                DiffusersFolder.LoadImageEncoder(baseFolder, configs.ImageEncoder, weights, device));
            var projection = Own(owned, CreateProjection(configs.Projection, options.ProjectionSeed, device));
            var projectionFolder = Path.Combine(baseFolder, ProjectionFolder);
            if (Directory.Exists(projectionFolder))
            {
                var path = DiffusersFolder.FindWeights(projectionFolder, DiffusersFolder.DiffusersWeightsName, weights);
                DiffusionWeights.Load(projection, path, weights);
            }

            var controlNet = withControlNet
                ? Own(owned, DiffusersFolder.LoadControlNet(controlNetFolder, configs.ControlNet, weights, device))
                : null;
            return new DiffusionModels(configs, unet, vae, encoder, projection, controlNet, device);
        });
    }

    /// <summary>Builds networks with seeded random weights, for tests and for trying the pipeline.</summary>
    /// <param name="configs">The shapes; null means <see cref="DiffusionModelConfigs.Tiny"/>.</param>
    /// <param name="seed">The seed of every weight.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <returns>The networks, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The configs do not fit together.</exception>
    /// <exception cref="InsufficientMemoryException">The networks do not fit in memory.</exception>
    /// <remarks>Weights get seeded normal values scaled by 1 / sqrt(fan-in), 1-D weights (norms) 1 plus 0.1 times
    /// normal values and biases 0.1 times normal values, so every layer acts (zero-initialised ones included) and the
    /// activations keep a moderate scale.</remarks>
    public static DiffusionModels CreateRandom(
        DiffusionModelConfigs? configs = null,
        long seed = 0,
        Device? device = null)
    {
        configs ??= DiffusionModelConfigs.Tiny;
        configs.Validate();
        device ??= CPU;
        return Build("building random networks", device, owned =>
        {
            using var generator = new Generator(unchecked((ulong)seed), CPU);
            var unet = Own(owned, Randomize(new UNet2DConditionModel(configs.UNet, device), generator));
            var vae = Own(owned, Randomize(new AutoencoderKL(configs.Vae, device), generator));
            var encoder = Own(
                owned,
                Randomize(new ClipVisionModelWithProjection(configs.ImageEncoder, device), generator));
            var projection = Own(owned, Randomize(new ImageTokenProjection(configs.Projection, device), generator));
            var controlNet = configs.ControlNet is null
                ? null
                : Own(owned, Randomize(new ControlNetModel(configs.ControlNet, device), generator));
            return new DiffusionModels(configs, unet, vae, encoder, projection, controlNet, device);
        });
    }

    /// <summary>
    /// Writes every network in the layout that <see cref="Load"/> reads (float32 safetensors, including
    /// <c>image_proj/</c>); each file is written beside its destination and moved over it.
    /// </summary>
    /// <param name="baseFolder">The folder; created if needed.</param>
    /// <exception cref="ObjectDisposedException">The networks have been disposed.</exception>
    public void Save(string baseFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseFolder);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var weights = DiffusersFolder.DiffusersWeightsName + ".safetensors";
        SaveInto(UNet, Path.Combine(baseFolder, "unet"), weights);
        SaveInto(Vae, Path.Combine(baseFolder, "vae"), weights);
        SaveInto(ImageEncoder, Path.Combine(baseFolder, "image_encoder"), "model.safetensors");
        SaveInto(Projection, Path.Combine(baseFolder, ProjectionFolder), weights);
        if (ControlNet is not null)
        {
            SaveInto(ControlNet, Path.Combine(baseFolder, ControlNetFolder), weights);
        }
    }

    /// <summary>Disposes every network; calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        UNet.Dispose();
        Vae.Dispose();
        ImageEncoder.Dispose();
        Projection.Dispose();
        ControlNet?.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="build"/>, which adds every network it creates to the list it is given; on failure
    /// disposes them, and turns an allocation failure into one message.
    /// </summary>
    private static DiffusionModels Build(string what, Device device, Func<List<IDisposable>, DiffusionModels> build)
    {
        var owned = new List<IDisposable>();
        try
        {
            return build(owned);
        }
        catch (Exception exception) when (DiffusionMemory.IsOutOfMemory(exception))
        {
            owned.ForEach(network => network.Dispose());
            throw DiffusionMemory.Exhausted(
                $"{what} on {device} (Stable Diffusion 1.5 with its image encoder needs about 6.5 GB for fp32 "
                + "weights alone)",
                "Nothing was written.",
                exception);
        }
        catch
        {
            owned.ForEach(network => network.Dispose());
            throw;
        }
    }

    private static T Own<T>(List<IDisposable> owned, T network)
        where T : IDisposable
    {
        owned.Add(network);
        return network;
    }

    private static ImageTokenProjection CreateProjection(ImageTokenProjectionConfig config, long seed, Device device)
    {
        // The projection's default initialisation draws from TorchSharp's global generator; seeding it here keeps
        // a freshly started fine-tune reproducible.
        var projection = new ImageTokenProjection(config, device);
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in projection.named_parameters())
        {
            var initial = name switch
            {
                "proj.weight" => randn(parameter.shape, generator: generator) * (1.0 / Math.Sqrt(parameter.shape[1])),
                "norm.weight" => ones(parameter.shape),
                _ => zeros(parameter.shape),
            };
            using (initial)
            {
                parameter.copy_(initial);
            }
        }

        return projection;
    }

    private static T Randomize<T>(T network, Generator generator)
        where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in network.named_parameters())
        {
            using var scope = NewDisposeScope();
            var normal = randn(parameter.shape, generator: generator);
            var values = parameter.dim() >= 2
                ? normal / Math.Sqrt(parameter.numel() / parameter.shape[0])
                : name.EndsWith(".bias", StringComparison.Ordinal) ? normal * 0.1 : 1 + (normal * 0.1);
            parameter.copy_(values);
        }

        return network;
    }

    private static void SaveInto(nn.Module network, string folder, string fileName)
    {
        Directory.CreateDirectory(folder);
        DiffusionWeights.Save(network, Path.Combine(folder, fileName));
    }
}
