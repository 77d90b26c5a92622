using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The Stable Diffusion 1.5 VAE (diffusers' <c>AutoencoderKL</c>) in TorchSharp: <see cref="Encode"/> maps images
/// in [-1, 1] to a latent Gaussian at 1/8 resolution, <see cref="Decode"/> maps latents back to images.
/// </summary>
/// <remarks>
/// <para>
/// <c>named_parameters()</c> yields the current diffusers keys (<c>to_q</c>/<c>to_k</c>/<c>to_v</c>/<c>to_out.0</c>
/// in the mid-block attentions); <see cref="DiffusionWeights"/> also accepts files with the legacy names (see
/// <see cref="LegacyNameMap"/>), such as the SD1.5 VAE on the Hub.
/// </para>
/// <para>
/// Neither method scales: multiply a sample by <see cref="AutoencoderKLConfig.ScalingFactor"/> (0.18215) before
/// the UNet, and divide by it before <see cref="Decode"/>. The module owns native memory: dispose it when done.
/// </para>
/// </remarks>
public sealed class AutoencoderKL : nn.Module
{
    /// <summary>The epsilon of every group norm in the VAE.</summary>
    internal const double NormEpsilon = 1e-6;

    private readonly VaeEncoder _encoder;
    private readonly VaeDecoder _decoder;
    private readonly Conv2d _quantConv;
    private readonly Conv2d _postQuantConv;

    /// <summary>Builds a VAE with freshly initialized weights.</summary>
    /// <param name="config">The shape; null means <see cref="AutoencoderKLConfig.StableDiffusion15"/>.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public AutoencoderKL(AutoencoderKLConfig? config = null, Device? device = null)
        : base(DiffusionNetworks.Prepare(nameof(AutoencoderKL)))
    {
        Config = config ?? AutoencoderKLConfig.StableDiffusion15;
        Config.Validate();
        device ??= CPU;
        var latent = Config.LatentChannels;
        _encoder = new VaeEncoder(Config, device);
        _decoder = new VaeDecoder(Config, device);
        _quantConv = Layers.Conv(2 * latent, 2 * latent, 1, device);
        _postQuantConv = Layers.Conv(latent, latent, 1, device);
        register_module("encoder", _encoder);
        register_module("decoder", _decoder);
        register_module("quant_conv", _quantConv);
        register_module("post_quant_conv", _postQuantConv);
    }

    /// <summary>Gets the shape of this network.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>
    /// Gets how legacy mid-block attention names (diffusers before the attention rename, as in the SD1.5 VAE on the
    /// Hub) map to the current ones: <c>query</c> to <c>to_q</c>, <c>key</c> to <c>to_k</c>, <c>value</c> to
    /// <c>to_v</c>, <c>proj_attn</c> to <c>to_out.0</c>. The shapes are the same.
    /// </summary>
    public static IReadOnlyDictionary<string, string> LegacyNameMap { get; } = new Dictionary<string, string>
    {
        ["query"] = "to_q",
        ["key"] = "to_k",
        ["value"] = "to_v",
        ["proj_attn"] = "to_out.0",
    };

    /// <summary>Encodes images to the latent distribution.</summary>
    /// <param name="images">Images [B, in, H, W] in [-1, 1]; H and W must be multiples of
    /// <see cref="AutoencoderKLConfig.DownscaleFactor"/> (8 for SD1.5).</param>
    /// <returns>The unscaled distribution [B, latent, H / f, W / f]; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">The images are not shaped as described.</exception>
    public LatentDistribution Encode(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        RequireShape(images, Config.InChannels, Config.DownscaleFactor, nameof(images));

        using var scope = NewDisposeScope();
        var moments = _quantConv.forward(_encoder.Forward(images)).chunk(2, 1);
        var mean = moments[0].contiguous().DetachFromDisposeScope();
        var logVariance = moments[1].clamp(-30.0, 20.0).DetachFromDisposeScope();
        return new LatentDistribution(mean, logVariance);
    }

    /// <summary>Decodes latents to images.</summary>
    /// <param name="latents">Unscaled latents [B, latent, h, w] (divide UNet latents by the scaling factor first).
    /// </param>
    /// <returns>Images [B, out, h x f, w x f], roughly in [-1, 1] (not clamped); the caller owns the tensor (it joins
    /// the caller's dispose scope, if any).</returns>
    /// <exception cref="ArgumentException">The latents are not shaped as described.</exception>
    public Tensor Decode(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        RequireShape(latents, Config.LatentChannels, 1, nameof(latents));

        using var scope = NewDisposeScope();
        var images = _decoder.Forward(_postQuantConv.forward(latents));
        return images.MoveToOuterDisposeScope();
    }

    /// <summary>Lists the parameter names and shapes of a VAE with this config without allocating weights.</summary>
    /// <param name="config">The shape; null means <see cref="AutoencoderKLConfig.StableDiffusion15"/>.</param>
    /// <returns>The parameters in <c>state_dict()</c> order.</returns>
    public static IReadOnlyList<ParameterShape> Describe(AutoencoderKLConfig? config = null)
    {
        using var meta = new AutoencoderKL(config, DiffusionNetworks.Meta);
        return ParameterShape.Of(meta);
    }

    /// <summary>Maps a legacy mid-block attention key to its current name; other keys are returned unchanged.</summary>
    internal static string RenameLegacy(string key)
    {
        if (!key.Contains(".mid_block.attentions.", StringComparison.Ordinal))
        {
            return key;
        }

        var parts = key.Split('.');
        if (parts.Length < 6 || !LegacyNameMap.TryGetValue(parts[^2], out var current))
        {
            return key;
        }

        return string.Join('.', parts[..^2]) + "." + current + "." + parts[^1];
    }

    private static void RequireShape(Tensor input, long channels, long multiple, string name)
    {
        var shape = input.shape;
        if (shape.Length != 4 || shape[1] != channels || shape[2] == 0 || shape[3] == 0 || shape[2] % multiple != 0
            || shape[3] % multiple != 0)
        {
            throw new ArgumentException(
                $"The input has shape [{string.Join(", ", shape)}]; expected [B, {channels}, H, W] with H and W "
                + $"positive multiples of {multiple}.",
                name);
        }
    }
}
