using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Network;

/// <summary>
/// The official network's custom layer normalization: one mean and one standard deviation per sample over all of
/// C x H x W, then a learned scale and shift per channel.
/// </summary>
/// <remarks>
/// <c>y = (x - mean) / (std + eps) * gamma[c] + beta[c]</c>, where <c>std</c> is the unbiased standard deviation
/// (divided by N - 1) and eps is added to it, not to the variance. This differs from <c>torch.nn.LayerNorm</c>.
/// </remarks>
internal sealed class SampleLayerNorm : nn.Module<Tensor, Tensor>
{
    // Field names are the checkpoint keys (upconv1.norm.gamma), so they break the _camelCase rule on purpose.
#pragma warning disable IDE1006
    private readonly Parameter gamma;
    private readonly Parameter beta;
#pragma warning restore IDE1006

    private readonly double _eps;

    /// <summary>Creates the layer; gamma starts uniform in [0, 1) as upstream, beta at zero.</summary>
    public SampleLayerNorm(long channels, double eps = 1e-5)
        : base(nameof(SampleLayerNorm))
    {
        gamma = nn.Parameter(rand(channels));
        beta = nn.Parameter(zeros(channels));
        _eps = eps;
        RegisterComponents();
    }

    /// <summary>Normalizes an [N, C, H, W] tensor; returns a new tensor of the same shape.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var batch = input.shape[0];
        var channels = input.shape[1];
        var flat = input.reshape(batch, -1);
        var mean = flat.mean([1L], keepdim: true).reshape(batch, 1, 1, 1);
        var std = flat.std(1, unbiased: true, keepdim: true).reshape(batch, 1, 1, 1);
        var normalized = (input - mean) / (std + _eps);
        var result = (normalized * gamma.reshape(1, channels, 1, 1)) + beta.reshape(1, channels, 1, 1);
        return result.MoveToOuterDisposeScope();
    }
}
