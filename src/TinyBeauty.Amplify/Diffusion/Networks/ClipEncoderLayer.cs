using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// transformers' <c>CLIPEncoderLayer</c>: x + self_attn(layer_norm1(x)), then x + mlp(layer_norm2(x)), where the
/// attention has biased <c>k_proj</c>/<c>v_proj</c>/<c>q_proj</c>/<c>out_proj</c> and the MLP is
/// <c>fc1</c>, exact GELU, <c>fc2</c>.
/// </summary>
internal sealed class ClipEncoderLayer : nn.Module
{
    private readonly Linear _keyProjection;
    private readonly Linear _valueProjection;
    private readonly Linear _queryProjection;
    private readonly Linear _outProjection;
    private readonly LayerNorm _norm1;
    private readonly Linear _fc1;
    private readonly Linear _fc2;
    private readonly LayerNorm _norm2;
    private readonly long _heads;

    public ClipEncoderLayer(ClipVisionConfig config, Device device)
        : base(nameof(ClipEncoderLayer))
    {
        long width = config.HiddenSize;
        _heads = config.AttentionHeads;
        _keyProjection = Layers.Linear(width, width, device);
        _valueProjection = Layers.Linear(width, width, device);
        _queryProjection = Layers.Linear(width, width, device);
        _outProjection = Layers.Linear(width, width, device);
        _norm1 = Layers.LayerNorm(width, config.LayerNormEpsilon, device);
        _fc1 = Layers.Linear(width, config.IntermediateSize, device);
        _fc2 = Layers.Linear(config.IntermediateSize, width, device);
        _norm2 = Layers.LayerNorm(width, config.LayerNormEpsilon, device);

        var attention = new NamedChildren("self_attn");
        attention.Add("k_proj", _keyProjection);
        attention.Add("v_proj", _valueProjection);
        attention.Add("q_proj", _queryProjection);
        attention.Add("out_proj", _outProjection);
        var mlp = new NamedChildren("mlp");
        mlp.Add("fc1", _fc1);
        mlp.Add("fc2", _fc2);
        register_module("self_attn", attention);
        register_module("layer_norm1", _norm1);
        register_module("mlp", mlp);
        register_module("layer_norm2", _norm2);
    }

    /// <summary>Runs the layer on tokens [B, N, width].</summary>
    public Tensor Forward(Tensor tokens)
    {
        var normed = _norm1.forward(tokens);
        var attended = Layers.Attend(
            _queryProjection.forward(normed),
            _keyProjection.forward(normed),
            _valueProjection.forward(normed),
            _heads);
        var hidden = tokens + _outProjection.forward(attended);
        var expanded = nn.functional.gelu(_fc1.forward(_norm2.forward(hidden)));
        return hidden + _fc2.forward(expanded);
    }
}

/// <summary>A container that only groups child modules under a name prefix; its forward is never called.</summary>
internal sealed class NamedChildren : nn.Module
{
    public NamedChildren(string name)
        : base(name)
    {
    }

    /// <summary>Registers a child under <paramref name="name"/>.</summary>
    public void Add(string name, nn.Module child) => register_module(name, child);
}
