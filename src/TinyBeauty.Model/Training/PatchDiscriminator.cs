using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// A PatchGAN discriminator: a stack of spectrally normalized 4x4 stride-2 convolutions with LeakyReLU(0.2),
/// followed by a 3x3 convolution to one channel, giving one realness score per overlapping image patch.
/// </summary>
/// <remarks>
/// <para>
/// Layer i (0-based, i &lt; depth) maps <c>min(width * 2^(i-1), 8 * width)</c> channels (3 for the first) to
/// <c>min(width * 2^i, 8 * width)</c> with kernel 4, stride 2 and zero padding 1, so each halves the size
/// (rounding down). The head is a 3x3 stride-1 convolution with padding 1 and no activation: scores are unbounded,
/// as the least-squares loss of <see cref="AdversarialLoss"/> expects. Every convolution, the head included,
/// is spectrally normalized with one power iteration per forward in training mode.
/// </para>
/// <para>
/// Parameters are named <c>layers.&lt;i&gt;.weight_orig</c> and <c>layers.&lt;i&gt;.bias</c>, with the power
/// iteration vectors as buffers <c>layers.&lt;i&gt;.weight_u</c> and <c>layers.&lt;i&gt;.weight_v</c>.
/// </para>
/// <para>
/// Known shortcoming: the power-iteration vectors start random, so the first few training forwards divide by an
/// underestimate of the largest singular value (the layer is briefly more than 1-Lipschitz). PyTorch's
/// <c>spectral_norm</c> behaves the same way; running a handful of training forwards before evaluating removes it.
/// There is no loader for PyTorch discriminator checkpoints yet, since no official one exists to match.
/// </para>
/// </remarks>
public sealed class PatchDiscriminator : nn.Module<Tensor, Tensor>
{
    private const double NegativeSlope = 0.2;

    // The field name is the parameter key prefix ("layers"), so it breaks the _camelCase rule on purpose.
#pragma warning disable IDE1006
    private readonly ModuleList<SpectralNormConv2d> layers;
#pragma warning restore IDE1006

    /// <summary>Creates a discriminator with freshly initialized weights on the CPU.</summary>
    /// <param name="width">Channels of the first layer, at least 1. Default 64.</param>
    /// <param name="depth">Number of stride-2 layers, 1 to 8. Default 3 (patch scores at 1/8 of the image size).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">Width or depth is out of range.</exception>
    /// <exception cref="TorchNativeLoadException">TorchSharp's native libraries cannot be loaded.</exception>
    public PatchDiscriminator(int width = 64, int depth = 3)
        : base(Prepare(nameof(PatchDiscriminator), width, depth))
    {
        Width = width;
        Depth = depth;
        var modules = new List<SpectralNormConv2d>();
        long input = TinyBeautyNetOptions.ImageChannels;
        for (var layer = 0; layer < depth; layer++)
        {
            var output = Math.Min((long)width << layer, 8L * width);
            modules.Add(new SpectralNormConv2d(input, output, 4, 2, 1));
            input = output;
        }

        modules.Add(new SpectralNormConv2d(input, 1, 3, 1, 1));
        layers = nn.ModuleList(modules.ToArray());
        RegisterComponents();
    }

    /// <summary>Gets the number of channels of the first layer.</summary>
    public int Width { get; }

    /// <summary>Gets the number of stride-2 layers.</summary>
    public int Depth { get; }

    /// <summary>Scores the patches of a batch of images.</summary>
    /// <param name="input">
    /// Float [N, 3, H, W] in [-1, 1] on this module's device, with H and W at least 2^depth.
    /// </param>
    /// <returns>
    /// Scores [N, 1, H / 2^depth, W / 2^depth] (each division rounding down), unbounded; the caller owns them.
    /// </returns>
    /// <exception cref="ArgumentException">The input is not [N, 3, H, W] or a side is below 2^depth.</exception>
    public override Tensor forward(Tensor input)
    {
        ImageTensors.CheckImage(input, nameof(input));
        var smallest = 1L << Depth;
        if (input.shape[2] < smallest || input.shape[3] < smallest)
        {
            throw new ArgumentException(
                $"input sides must be at least {smallest} for depth {Depth}; its shape is "
                + $"{ImageTensors.Format(input.shape)}.",
                nameof(input));
        }

        using var scope = NewDisposeScope();
        var result = input.alias();
        for (var index = 0; index < layers.Count; index++)
        {
            result = layers[index].forward(result);
            if (index < layers.Count - 1)
            {
                result = nn.functional.leaky_relu(result, NegativeSlope);
            }
        }

        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Gets the spectrally normalized convolutions, the head last.</summary>
    internal IReadOnlyList<SpectralNormConv2d> Convolutions => layers.ToList();

    private static string Prepare(string name, int width, int depth)
    {
        // Runs before TorchSharp's base constructor so that bad arguments and a broken native setup fail early.
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, 8);
        TorchNative.EnsureAvailable();
        return name;
    }
}
