namespace TinyBeauty.Model.Export;

/// <summary>How <see cref="OnnxExporter"/> lays out the network's operators. Both compute the same function.</summary>
public enum OnnxGraphStyle
{
    /// <summary>
    /// Restructured for speed (the default). Each "nearest 2x upsample, reflect-pad, 3x3 convolution" becomes one
    /// 2x2 convolution at the lower resolution with four output phases (edge padding, <c>Conv</c>), whose outputs
    /// are interleaved with <c>Slice</c>, <c>Concat</c>, a single-axis <c>Transpose</c> and <c>Reshape</c>. This is
    /// exact algebra: reflect padding of a nearest-upsampled image equals edge padding before upsampling, and each
    /// output phase reads only two distinct source rows and columns, so the 3x3 kernel folds into 2x2 kernels whose
    /// taps are sums of the original ones (formed in double, rounded once). Those two layers then need 4/9 of their
    /// multiply-adds (the whole network about 1.0 G instead of 1.48 G per 256 x 256 image), and the upsampled
    /// 48-channel tensor is never materialised. The LayerNorm folds gamma / (std + eps) into one per-channel factor
    /// and uses <c>ReduceSumSquare</c>. The folded weights are stored as <c>upconv1.conv.weight.phases</c> and
    /// <c>upconv1.conv.bias.phases</c> (likewise for <c>upconv2</c>) instead of the state-dictionary tensors.
    /// </summary>
    /// <remarks>
    /// Measured with ONNX Runtime 1.32 on a shared, busy two-core x64 virtual machine (official network,
    /// 1 x 3 x 256 x 256, default session options, median of 50 runs after 10 warm-up runs, alternating with
    /// <see cref="Plain"/>): 2 intra-op threads 112 ms to 82 ms (1.37x; a run under heavier background load gave
    /// 143 ms to 121 ms), 1 thread 71 ms to 53 ms (1.33x); kernel time from ONNX Runtime's profiler 88 ms to 64 ms.
    /// Convolutions fell from 51 ms to 35 ms, <c>Resize</c> (2.5 ms) disappeared, <c>Pad</c> and the NCHWc reorder
    /// nodes shrank; the interleave adds about 4 ms of <c>Concat</c>, <c>Transpose</c> and <c>Slice</c>. ONNX
    /// Runtime's <c>DepthToSpace</c> was tried for the interleave and alone cost 11 ms; a stride-2
    /// <c>ConvTranspose</c> with a folded 4x4 kernel was slower than the plain graph.
    /// </remarks>
    Fast,

    /// <summary>
    /// A literal transcription of the PyTorch modules: <c>Concat</c>, <c>Resize</c>, <c>Pad</c>, <c>Conv</c> and the
    /// LayerNorm steps one by one, with every weight stored under its state-dictionary key. Useful for inspection
    /// and as a reference for the fast layout.
    /// </summary>
    Plain,
}
