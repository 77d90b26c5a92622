using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model;

/// <summary>
/// The TinyBeauty U-Net (the official <c>BeautyREC</c> network) in TorchSharp. It maps a face image in [-1, 1] to
/// a makeup residual in (-1, 1) of the same size; adding the residual to the image applies the style.
/// </summary>
/// <remarks>
/// <para>
/// Layers, padding, normalizations and parameter names follow the official release exactly, so
/// <c>state_dict()</c> has the official checkpoint keys in checkpoint order and official weights load unchanged.
/// </para>
/// <para>
/// The module owns native memory: dispose it when done. Parameters are float32 on the CPU until moved with
/// <c>to(...)</c>.
/// </para>
/// </remarks>
public sealed class TinyBeautyNet : nn.Module<Tensor, Tensor>
{

    // Field names are the checkpoint keys (content_encoder, res, upconv1, upconv2, out), so they break the
    // _camelCase rule on purpose; their declaration order is the checkpoint order.
#pragma warning disable IDE1006
    private readonly ContentEncoder content_encoder;
    private readonly ResidualBlocks res;
    private readonly ConvolutionBlock upconv1;
    private readonly ConvolutionBlock upconv2;
    private readonly ConvolutionBlock @out;
    private readonly Upsample upsample;
#pragma warning restore IDE1006

    /// <summary>
    /// Creates a network with freshly initialized weights (PyTorch's default initialization; layer-norm gamma
    /// uniform in [0, 1) and beta zero, as upstream). Use <see cref="LoadWeights"/> to load trained ones.
    /// </summary>
    /// <param name="options">The shape of the network; null means <see cref="TinyBeautyNetOptions.Official"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width or block count in the options is out of range.</exception>
    /// <exception cref="TorchNativeLoadException">TorchSharp's native libraries cannot be loaded.</exception>
    public TinyBeautyNet(TinyBeautyNetOptions? options = null)
        : base(Prepare(nameof(TinyBeautyNet)))
    {
        Options = options ?? TinyBeautyNetOptions.Official;
        Options.Validate();
        long width = Options.Width;
        content_encoder = new ContentEncoder(width, Options.EncoderResidualBlocks);
        res = new ResidualBlocks(Options.DecoderResidualBlocks, width);
        upconv1 = new ConvolutionBlock(2 * width, width, 3, 1, 1, BlockNormalization.Layer, BlockActivation.Relu);
        upconv2 = new ConvolutionBlock(2 * width, width, 3, 1, 1, BlockNormalization.Layer, BlockActivation.Relu);
        @out = new ConvolutionBlock(
            width,
            TinyBeautyNetOptions.ImageChannels,
            3,
            1,
            1,
            BlockNormalization.None,
            BlockActivation.Tanh);
        upsample = nn.Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest);
        RegisterComponents();
    }

    /// <summary>Gets the shape of this network.</summary>
    public TinyBeautyNetOptions Options { get; }

    /// <summary>Gets the number of learned values (85,227 for the official network).</summary>
    public long ParameterCount => parameters().Sum(parameter => parameter.numel());

    /// <summary>
    /// Runs the network on a batch of images.
    /// </summary>
    /// <param name="input">
    /// Float tensor [N, 3, H, W] with values in [-1, 1], on the network's device; H and W must be multiples of 4 and
    /// at least 8 (the reflection padding at quarter resolution needs two pixels).
    /// </param>
    /// <returns>
    /// The residual, [N, 3, H, W] in (-1, 1). The caller owns it (it is placed in the caller's dispose scope, if
    /// any); all intermediate tensors are freed before returning.
    /// </returns>
    /// <exception cref="ArgumentException">The input is not [N, 3, H, W] with H and W as required.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateInput(input);

        using var scope = NewDisposeScope();
        var (half, quarter, content) = content_encoder.forward(input);
        var residual = res.forward(content);
        var up1 = upconv1.forward(upsample.forward(cat([quarter, residual], 1)));
        var up2 = upconv2.forward(upsample.forward(cat([half, up1], 1)));
        var result = @out.forward(up2);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Copies weights into the network's parameters (on their current device), for example the official
    /// checkpoint's <c>cleaner</c> state dict.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// A tensor is missing, extra or misshaped for these options; nothing is copied in that case.
    /// </exception>
    public void LoadWeights(StateDictionary weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        weights.ValidateFor(Options);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            var source = weights[name];
            var values = tensor(source.Data, source.Shape.Select(dimension => (long)dimension).ToArray());
            parameter.copy_(values);
        }
    }

    /// <summary>
    /// Copies the parameters into managed memory as float32, keyed and ordered like the official checkpoint.
    /// </summary>
    public StateDictionary ExportWeights()
    {
        var weights = new StateDictionary();
        using var scope = NewDisposeScope();
        foreach (var (name, parameter) in named_parameters())
        {
            var values = parameter.detach().cpu().to_type(ScalarType.Float32).contiguous();
            var shape = values.shape.Select(dimension => checked((int)dimension)).ToArray();
            weights.Add(new NamedTensor(name, shape, values.data<float>().ToArray()));
        }

        return weights;
    }

    private static string Prepare(string name)
    {
        // Runs before TorchSharp's base constructor so that a broken native setup fails with a diagnosis.
        TorchNative.EnsureAvailable();
        return name;
    }

    private static void ValidateInput(Tensor input)
    {
        var shape = input.shape;
        var valid = shape.Length == 4
            && shape[1] == TinyBeautyNetOptions.ImageChannels
            && shape[2] >= TinyBeautyNetOptions.MinimumSide && shape[2] % 4 == 0
            && shape[3] >= TinyBeautyNetOptions.MinimumSide && shape[3] % 4 == 0
            && input.is_floating_point();
        if (!valid)
        {
            throw new ArgumentException(
                $"TinyBeautyNet expects a floating-point tensor [N, 3, H, W] with H and W multiples of 4 and at "
                + $"least {TinyBeautyNetOptions.MinimumSide}; got {input.dtype} [{string.Join(", ", shape)}].",
                nameof(input));
        }
    }
}
