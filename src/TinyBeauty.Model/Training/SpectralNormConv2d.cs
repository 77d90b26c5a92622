using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// A 2-D convolution whose weight is divided by an estimate of its largest singular value (spectral
/// normalization), so that the layer is roughly 1-Lipschitz.
/// </summary>
/// <remarks>
/// The weight [out, in, k, k] is seen as a matrix W of out rows and in * k * k columns. Two buffers, <c>weight_u</c>
/// [out] and <c>weight_v</c> [in * k * k], persist across calls. Each forward in training mode runs one power
/// iteration, <c>v = normalize(W^T u)</c>, <c>u = normalize(W v)</c>, without gradient; then
/// <c>sigma = u . (W v)</c> (with gradient through W) and the convolution uses <c>W / sigma</c>. In evaluation mode
/// the stored vectors are used as they are. Parameter and buffer names follow PyTorch's <c>spectral_norm</c>:
/// <c>weight_orig</c>, <c>bias</c>, <c>weight_u</c>, <c>weight_v</c>.
/// </remarks>
internal sealed class SpectralNormConv2d : nn.Module<Tensor, Tensor>
{
    private const double NormalizeEpsilon = 1e-12;

    // Field names are the PyTorch spectral_norm keys, so they break the _camelCase rule on purpose.
#pragma warning disable IDE1006
    private readonly Parameter weight_orig;
    private readonly Parameter bias;
    private readonly Tensor weight_u;
    private readonly Tensor weight_v;
#pragma warning restore IDE1006

    private readonly long _stride;
    private readonly long _padding;

    public SpectralNormConv2d(long inputChannels, long outputChannels, long kernelSize, long stride, long padding)
        : base(nameof(SpectralNormConv2d))
    {
        // PyTorch's default convolution initialization: uniform in +-1/sqrt(fan_in) for weight and bias.
        var bound = 1.0 / Math.Sqrt(inputChannels * kernelSize * kernelSize);
        weight_orig = nn.Parameter(
            (rand(outputChannels, inputChannels, kernelSize, kernelSize) * 2 - 1) * bound);
        bias = nn.Parameter((rand(outputChannels) * 2 - 1) * bound);
        weight_u = nn.functional.normalize(randn(outputChannels), dim: 0, eps: NormalizeEpsilon);
        weight_v = nn.functional.normalize(
            randn(inputChannels * kernelSize * kernelSize), dim: 0, eps: NormalizeEpsilon);
        _stride = stride;
        _padding = padding;
        RegisterComponents();
    }

    /// <summary>Convolves [N, in, H, W] with the normalized weight; one power iteration first when training.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var weight = NormalizedWeight(training);
        var result = nn.functional.conv2d(input, weight, bias, strides: [_stride], padding: [_padding]);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Returns <c>W / sigma</c>; with <paramref name="iterate"/> true, first runs one power iteration and stores the
    /// new vectors.
    /// </summary>
    internal Tensor NormalizedWeight(bool iterate)
    {
        using var scope = NewDisposeScope();
        var matrix = weight_orig.reshape(weight_orig.shape[0], -1);
        if (iterate)
        {
            using var noGrad = no_grad();
            var v = nn.functional.normalize(matrix.t().mv(weight_u), dim: 0, eps: NormalizeEpsilon);
            var u = nn.functional.normalize(matrix.mv(v), dim: 0, eps: NormalizeEpsilon);
            weight_v.copy_(v);
            weight_u.copy_(u);
        }

        // Clones, because a later training forward updates the buffers in place while this graph still needs them.
        var sigma = weight_u.clone().dot(matrix.mv(weight_v.clone()));
        var result = weight_orig / sigma;
        return result.MoveToOuterDisposeScope();
    }
}
