using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' <c>ResnetBlock2D</c>: GroupNorm, SiLU, 3x3 conv, (+ projected time embedding), GroupNorm, SiLU,
/// 3x3 conv, added to the input (through a 1x1 <c>conv_shortcut</c> when the widths differ).
/// </summary>
internal sealed class ResnetBlock2D : nn.Module
{
    private readonly GroupNorm _norm1;
    private readonly Conv2d _conv1;
    private readonly Linear? _timeEmbeddingProjection;
    private readonly GroupNorm _norm2;
    private readonly Conv2d _conv2;
    private readonly Conv2d? _shortcut;

    /// <summary>Builds the block; a null time-embedding width gives the VAE's (no <c>time_emb_proj</c>).</summary>
    public ResnetBlock2D(
        long input,
        long output,
        long? timeEmbeddingDim,
        long groups,
        double epsilon,
        Device device)
        : base(nameof(ResnetBlock2D))
    {
        _norm1 = Layers.GroupNorm(groups, input, epsilon, device);
        _conv1 = Layers.Conv(input, output, 3, device, padding: 1);
        _norm2 = Layers.GroupNorm(groups, output, epsilon, device);
        _conv2 = Layers.Conv(output, output, 3, device, padding: 1);
        register_module("norm1", _norm1);
        register_module("conv1", _conv1);
        if (timeEmbeddingDim is { } width)
        {
            _timeEmbeddingProjection = Layers.Linear(width, output, device);
            register_module("time_emb_proj", _timeEmbeddingProjection);
        }

        register_module("norm2", _norm2);
        register_module("conv2", _conv2);
        if (input != output)
        {
            _shortcut = Layers.Conv(input, output, 1, device);
            register_module("conv_shortcut", _shortcut);
        }
    }

    /// <summary>Runs the block on [B, in, H, W]; <paramref name="timeEmbedding"/> is [B, T] or null.</summary>
    public Tensor Forward(Tensor input, Tensor? timeEmbedding)
    {
        var hidden = _conv1.forward(nn.functional.silu(_norm1.forward(input)));
        if (_timeEmbeddingProjection is not null && timeEmbedding is not null)
        {
            var projected = _timeEmbeddingProjection.forward(nn.functional.silu(timeEmbedding));
            hidden = hidden + projected.unsqueeze(-1).unsqueeze(-1);
        }

        hidden = _conv2.forward(nn.functional.silu(_norm2.forward(hidden)));
        var skip = _shortcut is null ? input : _shortcut.forward(input);
        return skip + hidden;
    }
}
