using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' <c>BasicTransformerBlock</c> with pre-layer-norms (epsilon 1e-5): self-attention <c>attn1</c>,
/// cross-attention <c>attn2</c> and a GEGLU feed-forward <c>ff</c>, each added to its input.
/// </summary>
internal sealed class BasicTransformerBlock : nn.Module
{
    private const double NormEpsilon = 1e-5;

    private readonly LayerNorm _norm1;
    private readonly CrossAttention _selfAttention;
    private readonly LayerNorm _norm2;
    private readonly CrossAttention _crossAttention;
    private readonly LayerNorm _norm3;
    private readonly FeedForward _feedForward;

    public BasicTransformerBlock(long width, long heads, long contextDim, Device device)
        : base(nameof(BasicTransformerBlock))
    {
        _norm1 = Layers.LayerNorm(width, NormEpsilon, device);
        _selfAttention = new CrossAttention(width, width, heads, device);
        _norm2 = Layers.LayerNorm(width, NormEpsilon, device);
        _crossAttention = new CrossAttention(width, contextDim, heads, device);
        _norm3 = Layers.LayerNorm(width, NormEpsilon, device);
        _feedForward = new FeedForward(width, device);
        register_module("norm1", _norm1);
        register_module("attn1", _selfAttention);
        register_module("norm2", _norm2);
        register_module("attn2", _crossAttention);
        register_module("norm3", _norm3);
        register_module("ff", _feedForward);
    }

    /// <summary>Runs the block on tokens [B, N, C] with the context [B, M, contextDim].</summary>
    public Tensor Forward(Tensor tokens, Tensor context)
    {
        var hidden = tokens + _selfAttention.Forward(_norm1.forward(tokens), null);
        hidden = hidden + _crossAttention.Forward(_norm2.forward(hidden), context);
        return hidden + _feedForward.Forward(_norm3.forward(hidden));
    }
}
