using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// TinyBeauty's image projection (IP-Adapter's <c>ImageProjModel</c> with 32 tokens): <c>proj</c> maps a CLIP image
/// embedding to tokens x width values, reshaped to [B, tokens, width] and layer-normed by <c>norm</c>. TinyBeauty
/// feeds these tokens to the UNet's cross-attention in place of text tokens.
/// </summary>
/// <remarks>
/// The keys are <c>proj.weight</c>, <c>proj.bias</c>, <c>norm.weight</c>, <c>norm.bias</c> (TinyBeauty's
/// <c>proj.pth</c>). Unconditional tokens are the projection of a zero embedding. The module owns native memory:
/// dispose it when done.
/// </remarks>
public sealed class ImageTokenProjection : nn.Module
{
    private const double NormEpsilon = 1e-5;

    private readonly Linear _projection;
    private readonly LayerNorm _norm;

    /// <summary>Builds a projection with freshly initialized weights.</summary>
    /// <param name="config">The shape; null means <see cref="ImageTokenProjectionConfig.TinyBeauty"/>.</param>
    /// <param name="device">Where the parameters live; null means the CPU.</param>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public ImageTokenProjection(ImageTokenProjectionConfig? config = null, Device? device = null)
        : base(DiffusionNetworks.Prepare(nameof(ImageTokenProjection)))
    {
        Config = config ?? ImageTokenProjectionConfig.TinyBeauty;
        Config.Validate();
        device ??= CPU;
        _projection = Layers.Linear(Config.EmbeddingDim, (long)Config.Tokens * Config.CrossAttentionDim, device);
        _norm = Layers.LayerNorm(Config.CrossAttentionDim, NormEpsilon, device);
        register_module("proj", _projection);
        register_module("norm", _norm);
    }

    /// <summary>Gets the shape of this network.</summary>
    public ImageTokenProjectionConfig Config { get; }

    /// <summary>Projects image embeddings to tokens.</summary>
    /// <param name="imageEmbeddings">CLIP <c>image_embeds</c> [B, embedding width].</param>
    /// <returns>Tokens [B, tokens, width] ([B, 32, 768] for TinyBeauty), owned by the caller (in the caller's
    /// dispose scope, if any).</returns>
    /// <exception cref="ArgumentException">The embeddings are not [B, embedding width].</exception>
    public Tensor Forward(Tensor imageEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        var shape = imageEmbeddings.shape;
        if (shape.Length != 2 || shape[1] != Config.EmbeddingDim)
        {
            throw new ArgumentException(
                $"The embeddings have shape [{string.Join(", ", shape)}]; expected [B, {Config.EmbeddingDim}].",
                nameof(imageEmbeddings));
        }

        using var scope = NewDisposeScope();
        var tokens = _projection.forward(imageEmbeddings).reshape(shape[0], Config.Tokens, Config.CrossAttentionDim);
        return _norm.forward(tokens).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Joins TinyBeauty's style tokens and identity tokens into the UNet context: style first, then identity, along
    /// the token axis ([B, 32, 768] and [B, 32, 768] give [B, 64, 768]).
    /// </summary>
    /// <param name="styleTokens">Tokens [B, S, width] from the style reference.</param>
    /// <param name="identityTokens">Tokens [B, I, width] from the identity reference.</param>
    /// <returns>A new tensor [B, S + I, width], owned by the caller.</returns>
    /// <exception cref="ArgumentException">The batches or widths differ, or a tensor is not three-dimensional.
    /// </exception>
    public static Tensor ConcatenateContext(Tensor styleTokens, Tensor identityTokens)
    {
        ArgumentNullException.ThrowIfNull(styleTokens);
        ArgumentNullException.ThrowIfNull(identityTokens);
        var style = styleTokens.shape;
        var identity = identityTokens.shape;
        if (style.Length != 3 || identity.Length != 3 || style[0] != identity[0] || style[2] != identity[2])
        {
            throw new ArgumentException(
                $"Style tokens [{string.Join(", ", style)}] and identity tokens [{string.Join(", ", identity)}] "
                + "must both be [B, tokens, width] with the same B and width.",
                nameof(identityTokens));
        }

        return cat([styleTokens, identityTokens], 1);
    }

    /// <summary>Lists the parameter names and shapes of a projection with this config without allocating weights.
    /// </summary>
    /// <param name="config">The shape; null means <see cref="ImageTokenProjectionConfig.TinyBeauty"/>.</param>
    /// <returns>The parameters in <c>state_dict()</c> order.</returns>
    public static IReadOnlyList<ParameterShape> Describe(ImageTokenProjectionConfig? config = null)
    {
        using var meta = new ImageTokenProjection(config, DiffusionNetworks.Meta);
        return ParameterShape.Of(meta);
    }
}
