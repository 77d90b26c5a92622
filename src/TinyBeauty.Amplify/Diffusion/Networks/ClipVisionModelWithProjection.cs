using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The CLIP image encoder with projection (transformers' <c>CLIPVisionModelWithProjection</c>) in TorchSharp: the
/// OpenCLIP ViT-H/14 that IP-Adapter and TinyBeauty use to embed a reference face into <c>image_embeds</c>.
/// </summary>
/// <remarks>
/// <para>
/// Patches (a bias-free stride-patch conv) and a learned class token get learned position embeddings, then
/// <c>pre_layrnorm</c> (the real key's spelling), the pre-LN encoder layers, <c>post_layernorm</c> on the class token
/// and the bias-free <c>visual_projection</c>.
/// </para>
/// <para>
/// <c>named_parameters()</c> yields exactly the transformers keys. Files saved by transformers before 4.31 also hold
/// the int64 buffer <c>vision_model.embeddings.position_ids</c> (0, 1, ..., positions - 1); loading accepts it when
/// present and does not require it. The module owns native memory: dispose it when done.
/// </para>
/// </remarks>
public sealed class ClipVisionModelWithProjection : nn.Module
{
    /// <summary>The optional buffer that older transformers versions saved; it is not a parameter here.</summary>
    public const string PositionIdsKey = "vision_model.embeddings.position_ids";

    private readonly Parameter _classEmbedding;
    private readonly Conv2d _patchEmbedding;
    private readonly Embedding _positionEmbedding;
    private readonly LayerNorm _preNorm;
    private readonly ClipEncoderLayer[] _layers;
    private readonly LayerNorm _postNorm;
    private readonly Linear _visualProjection;

    /// <summary>Builds an image encoder with freshly initialized weights.</summary>
    /// <param name="config">The shape; null means <see cref="ClipVisionConfig.VitHuge14"/>.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public ClipVisionModelWithProjection(ClipVisionConfig? config = null, Device? device = null)
        : base(DiffusionNetworks.Prepare(nameof(ClipVisionModelWithProjection)))
    {
        Config = config ?? ClipVisionConfig.VitHuge14;
        Config.Validate();
        device ??= CPU;
        long width = Config.HiddenSize;

        _classEmbedding = new Parameter(randn(width, device: device));
        _patchEmbedding = nn.Conv2d(
            Config.Channels,
            width,
            Config.PatchSize,
            stride: Config.PatchSize,
            bias: false,
            device: device);
        _positionEmbedding = nn.Embedding(Config.Positions, width, device: device);
        _preNorm = Layers.LayerNorm(width, Config.LayerNormEpsilon, device);
        _layers = Enumerable.Range(0, Config.Layers).Select(_ => new ClipEncoderLayer(Config, device)).ToArray();
        _postNorm = Layers.LayerNorm(width, Config.LayerNormEpsilon, device);
        _visualProjection = Layers.Linear(width, Config.ProjectionDim, device, bias: false);

        var embeddings = new NamedChildren("embeddings");
        embeddings.register_parameter("class_embedding", _classEmbedding);
        embeddings.Add("patch_embedding", _patchEmbedding);
        embeddings.Add("position_embedding", _positionEmbedding);
        var encoder = new NamedChildren("encoder");
        encoder.Add("layers", new ModuleList<ClipEncoderLayer>(_layers));
        var visionModel = new NamedChildren("vision_model");
        visionModel.Add("embeddings", embeddings);
        visionModel.Add("pre_layrnorm", _preNorm);
        visionModel.Add("encoder", encoder);
        visionModel.Add("post_layernorm", _postNorm);
        register_module("vision_model", visionModel);
        register_module("visual_projection", _visualProjection);
    }

    /// <summary>Gets the shape of this network.</summary>
    public ClipVisionConfig Config { get; }

    /// <summary>Embeds preprocessed images.</summary>
    /// <param name="pixelValues">Images [B, channels, size, size], already resized, center-cropped and normalized
    /// with CLIP's mean and standard deviation.</param>
    /// <returns><c>image_embeds</c> [B, projection width] (1024 for ViT-H/14), owned by the caller (it joins the
    /// caller's dispose scope, if any).</returns>
    /// <exception cref="ArgumentException">The images are not shaped as described.</exception>
    public Tensor Forward(Tensor pixelValues)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        long size = Config.ImageSize;
        var shape = pixelValues.shape;
        if (shape.Length != 4 || shape[1] != Config.Channels || shape[2] != size || shape[3] != size)
        {
            throw new ArgumentException(
                $"The images have shape [{string.Join(", ", shape)}]; expected [B, {Config.Channels}, {size}, "
                + $"{size}].",
                nameof(pixelValues));
        }

        using var scope = NewDisposeScope();
        var batch = shape[0];
        var patches = _patchEmbedding.forward(pixelValues.to_type(_classEmbedding.dtype)).flatten(2).transpose(1, 2);
        var classToken = _classEmbedding.view(1, 1, -1).expand(batch, 1, -1);
        var positions = arange(Config.Positions, dtype: ScalarType.Int64, device: _classEmbedding.device);
        var hidden = cat([classToken, patches], 1) + _positionEmbedding.forward(positions).unsqueeze(0);
        hidden = _preNorm.forward(hidden);
        foreach (var layer in _layers)
        {
            hidden = layer.Forward(hidden);
        }

        var pooled = _postNorm.forward(hidden.select(1, 0));
        return _visualProjection.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Lists the parameter names and shapes of an encoder with this config without allocating weights.
    /// </summary>
    /// <param name="config">The shape; null means <see cref="ClipVisionConfig.VitHuge14"/>.</param>
    /// <returns>The parameters in <c>state_dict()</c> order (without the optional position-id buffer).</returns>
    public static IReadOnlyList<ParameterShape> Describe(ClipVisionConfig? config = null)
    {
        using var meta = new ClipVisionModelWithProjection(config, DiffusionNetworks.Meta);
        return ParameterShape.Of(meta);
    }
}
