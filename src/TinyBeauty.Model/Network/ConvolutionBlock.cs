using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Network;

/// <summary>How a <see cref="ConvolutionBlock"/> normalizes its output.</summary>
internal enum BlockNormalization
{
    /// <summary>No normalization.</summary>
    None,

    /// <summary>Instance normalization without affine parameters, eps 1e-5.</summary>
    Instance,

    /// <summary>The official custom layer normalization (<see cref="SampleLayerNorm"/>).</summary>
    Layer,
}

/// <summary>The activation a <see cref="ConvolutionBlock"/> applies last.</summary>
internal enum BlockActivation
{
    /// <summary>No activation.</summary>
    None,

    /// <summary>ReLU.</summary>
    Relu,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
}

/// <summary>
/// Reflection padding, a convolution with bias, an optional normalization and an optional activation: the official
/// <c>Conv2dBlock</c>. Parameters are <c>norm.gamma</c>, <c>norm.beta</c> (layer norm only), <c>conv.weight</c> and
/// <c>conv.bias</c>, in that order.
/// </summary>
internal sealed class ConvolutionBlock : nn.Module<Tensor, Tensor>
{
    // Field names are the checkpoint keys (conv.weight, norm.gamma), so they break the _camelCase rule on purpose.
    // The normalization is declared before the convolution because the official state dict lists it first.
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor>? norm;
    private readonly ReflectionPad2d pad;
    private readonly Conv2d conv;
#pragma warning restore IDE1006

    private readonly BlockActivation _activation;

    public ConvolutionBlock(
        long inputChannels,
        long outputChannels,
        long kernelSize,
        long stride,
        long padding,
        BlockNormalization normalization,
        BlockActivation activation)
        : base(nameof(ConvolutionBlock))
    {
        norm = normalization switch
        {
            BlockNormalization.Instance => nn.InstanceNorm2d(outputChannels, eps: 1e-5, affine: false),
            BlockNormalization.Layer => new SampleLayerNorm(outputChannels),
            _ => null,
        };
        pad = nn.ReflectionPad2d(padding);
        conv = nn.Conv2d(inputChannels, outputChannels, kernelSize, stride: stride);
        _activation = activation;
        RegisterComponents();
    }

    /// <summary>Runs the block on an [N, C, H, W] tensor.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var result = conv.forward(pad.forward(input));
        if (norm is not null)
        {
            result = norm.forward(result);
        }

        result = _activation switch
        {
            BlockActivation.Relu => nn.functional.relu(result),
            BlockActivation.Tanh => tanh(result),
            _ => result,
        };
        return result.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The official residual block: 3x3 conv, instance norm, ReLU, 3x3 conv, instance norm, plus the input, with no
/// activation after the addition. Parameters live under <c>model.0</c> and <c>model.1</c>.
/// </summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    // The field name is the checkpoint key segment ("model"), so it breaks the _camelCase rule on purpose.
#pragma warning disable IDE1006
    private readonly ModuleList<ConvolutionBlock> model;
#pragma warning restore IDE1006

    public ResidualBlock(long channels)
        : base(nameof(ResidualBlock))
    {
        model = nn.ModuleList(
            new ConvolutionBlock(channels, channels, 3, 1, 1, BlockNormalization.Instance, BlockActivation.Relu),
            new ConvolutionBlock(channels, channels, 3, 1, 1, BlockNormalization.Instance, BlockActivation.None));
        RegisterComponents();
    }

    /// <summary>Runs the block; the output has the input's shape.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var result = model[1].forward(model[0].forward(input)) + input;
        return result.MoveToOuterDisposeScope();
    }
}

/// <summary>A chain of <see cref="ResidualBlock"/>s, with parameters under <c>model.&lt;index&gt;</c>.</summary>
internal sealed class ResidualBlocks : nn.Module<Tensor, Tensor>
{
    // The field name is the checkpoint key segment ("model"), so it breaks the _camelCase rule on purpose.
#pragma warning disable IDE1006
    private readonly ModuleList<ResidualBlock> model;
#pragma warning restore IDE1006

    public ResidualBlocks(int count, long channels)
        : base(nameof(ResidualBlocks))
    {
        model = nn.ModuleList(Enumerable.Range(0, count).Select(_ => new ResidualBlock(channels)).ToArray());
        RegisterComponents();
    }

    /// <summary>Runs the blocks in order; with no blocks the result is a copy-free alias of the input.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var result = input.alias();
        foreach (var block in model)
        {
            result = block.forward(result);
        }

        return result.MoveToOuterDisposeScope();
    }
}
