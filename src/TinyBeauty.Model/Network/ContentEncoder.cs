using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Network;

/// <summary>
/// The official content encoder: a 7x7 convolution at full resolution, two 4x4 stride-2 downsamplings, then the
/// residual blocks. Returns the two skip tensors and the encoded content.
/// </summary>
internal sealed class ContentEncoder : nn.Module<Tensor, (Tensor Half, Tensor Quarter, Tensor Content)>
{
    // Field names are the checkpoint keys (content_encoder.conv_first, .down1, ...), hence the _camelCase break.
#pragma warning disable IDE1006
    private readonly ConvolutionBlock conv_first;
    private readonly ConvolutionBlock down1;
    private readonly ConvolutionBlock down2;
    private readonly ResidualBlocks resblocks;
#pragma warning restore IDE1006

    public ContentEncoder(long width, int residualBlocks)
        : base(nameof(ContentEncoder))
    {
        const long Image = TinyBeautyNetOptions.ImageChannels;
        conv_first = new ConvolutionBlock(Image, width, 7, 1, 3, BlockNormalization.Instance, BlockActivation.Relu);
        down1 = new ConvolutionBlock(width, width, 4, 2, 1, BlockNormalization.Instance, BlockActivation.Relu);
        down2 = new ConvolutionBlock(width, width, 4, 2, 1, BlockNormalization.Instance, BlockActivation.Relu);
        resblocks = new ResidualBlocks(residualBlocks, width);
        RegisterComponents();
    }

    /// <summary>
    /// Encodes [N, 3, H, W] into c1 [N, width, H/2, W/2], c2 [N, width, H/4, W/4] and the residual blocks' output
    /// c3 [N, width, H/4, W/4].
    /// </summary>
    public override (Tensor Half, Tensor Quarter, Tensor Content) forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var full = conv_first.forward(input);
        var half = down1.forward(full);
        var quarter = down2.forward(half);
        var content = resblocks.forward(quarter);
        return (half.MoveToOuterDisposeScope(), quarter.MoveToOuterDisposeScope(), content.MoveToOuterDisposeScope());
    }
}
