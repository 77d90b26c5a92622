namespace TinyBeauty.Model.Export;

/// <summary>How <see cref="OnnxExporter"/> lays out the network's operators. Both compute the same function.</summary>
public enum OnnxGraphStyle
{
    /// <summary>
    /// Restructured for speed (the default). Each "nearest 2x upsample, reflect-pad, 3x3 convolution" becomes one
    /// 2x2 convolution at the lower resolution with four output phases, interleaved by <c>DepthToSpace</c>. This is
    /// exact algebra: reflect padding of a nearest-upsampled image equals edge padding before upsampling, and each
    /// output phase sees only two distinct source rows and columns, so the 3x3 kernel folds into 2x2 kernels (the
    /// folded weights are sums of the original ones). It needs 4/9 of the multiply-adds of those two layers and
    /// never materialises the upsampled 48-channel tensor. The LayerNorm applies its scale as one per-channel factor.
    /// The folded upsampling weights are stored as <c>upconv1.conv.weight.phases</c> and
    /// <c>upconv1.conv.bias.phases</c> (likewise for <c>upconv2</c>) instead of the state-dictionary tensors.
    /// </summary>
    Fast,

    /// <summary>
    /// A literal transcription of the PyTorch modules: <c>Concat</c>, <c>Resize</c>, <c>Pad</c>, <c>Conv</c> and the
    /// LayerNorm steps one by one, with every weight stored under its state-dictionary key. Useful for inspection
    /// and as a reference for the fast layout.
    /// </summary>
    Plain,
}
