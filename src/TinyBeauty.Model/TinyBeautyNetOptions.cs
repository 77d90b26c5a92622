namespace TinyBeauty.Model;

/// <summary>
/// Describes the shape of a TinyBeauty U-Net. The defaults are the official release's network: 24 channels,
/// two stride-2 downsamplings, two content residual blocks and two decoder residual blocks (85,227 parameters).
/// </summary>
/// <remarks>
/// The architecture always has exactly two downsampling and two upsampling stages, as the official release does;
/// width and residual block counts can be reduced for smaller variants.
/// </remarks>
public sealed record TinyBeautyNetOptions
{
    /// <summary>Gets the number of feature channels at every level. Default 24.</summary>
    public int Width { get; init; } = 24;

    /// <summary>Gets the number of residual blocks in the content encoder. Default 2.</summary>
    public int EncoderResidualBlocks { get; init; } = 2;

    /// <summary>Gets the number of residual blocks at the start of the decoder. Default 2.</summary>
    public int DecoderResidualBlocks { get; init; } = 2;

    /// <summary>Gets the options of the official release's network.</summary>
    public static TinyBeautyNetOptions Official { get; } = new();

    /// <summary>Gets the number of image channels the network reads and writes (RGB).</summary>
    public const int ImageChannels = 3;

    /// <summary>
    /// Lists every parameter of the network in the official state-dict order, with its shape
    /// (convolution weights are output x input x kernel height x kernel width).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A width or block count is out of range.</exception>
    public IReadOnlyList<(string Name, int[] Shape)> DescribeParameters()
    {
        Validate();
        var parameters = new List<(string Name, int[] Shape)>();
        var width = Width;

        void Convolution(string prefix, int output, int input, int kernel)
        {
            parameters.Add(($"{prefix}.conv.weight", [output, input, kernel, kernel]));
            parameters.Add(($"{prefix}.conv.bias", [output]));
        }

        void ResidualBlocks(string prefix, int count)
        {
            for (var block = 0; block < count; block++)
            {
                Convolution($"{prefix}.model.{block}.model.0", width, width, 3);
                Convolution($"{prefix}.model.{block}.model.1", width, width, 3);
            }
        }

        void Upsampling(string prefix)
        {
            parameters.Add(($"{prefix}.norm.gamma", [width]));
            parameters.Add(($"{prefix}.norm.beta", [width]));
            Convolution(prefix, width, 2 * width, 3);
        }

        Convolution("content_encoder.conv_first", width, ImageChannels, 7);
        Convolution("content_encoder.down1", width, width, 4);
        Convolution("content_encoder.down2", width, width, 4);
        ResidualBlocks("content_encoder.resblocks", EncoderResidualBlocks);
        ResidualBlocks("res", DecoderResidualBlocks);
        Upsampling("upconv1");
        Upsampling("upconv2");
        Convolution("out", ImageChannels, width, 3);
        return parameters;
    }

    /// <summary>Gets the total number of learned values (85,227 for the official network).</summary>
    public long CountParameters()
    {
        long total = 0;
        foreach (var (_, shape) in DescribeParameters())
        {
            long count = 1;
            foreach (var dimension in shape)
            {
                count *= dimension;
            }

            total += count;
        }

        return total;
    }

    /// <summary>
    /// Estimates the multiply-adds of one forward pass at the given input size, counting the convolutions only
    /// (normalisation, activations and upsampling add well under 1%). About 1.48 G for the official network at
    /// 256 x 256; one multiply-add is two floating-point operations.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is not a multiple of 4 of at least 8.</exception>
    public double EstimateMultiplyAdds(int height, int width)
    {
        Validate();
        CheckSide(height, nameof(height));
        CheckSide(width, nameof(width));

        double channels = Width;
        double full = (double)height * width;
        double half = full / 4;
        double quarter = full / 16;
        const double Image = ImageChannels;
        var residualConvolutions = 2.0 * (EncoderResidualBlocks + DecoderResidualBlocks);

        var total = channels * Image * 7 * 7 * full;
        total += channels * channels * 4 * 4 * half;
        total += channels * channels * 4 * 4 * quarter;
        total += residualConvolutions * channels * channels * 3 * 3 * quarter;
        total += channels * 2 * channels * 3 * 3 * half;
        total += channels * 2 * channels * 3 * 3 * full;
        total += Image * channels * 3 * 3 * full;
        return total;
    }

    /// <summary>
    /// Works out the options of the network whose weights these are, from the width of the first convolution and
    /// the number of residual blocks present, and checks that the weights fit them exactly.
    /// </summary>
    /// <exception cref="InvalidDataException">The weights are not those of a TinyBeauty network; the message names
    /// the first tensor that is missing, extra or misshaped.</exception>
    public static TinyBeautyNetOptions FromWeights(Checkpoints.StateDictionary weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        const string FirstKey = "content_encoder.conv_first.conv.weight";
        if (!weights.TryGetValue(FirstKey, out var first) || first.Shape.Length != 4)
        {
            throw new InvalidDataException(
                $"These weights are not a TinyBeauty network: tensor '{FirstKey}' is missing or not 4-dimensional.");
        }

        static int CountBlocks(Checkpoints.StateDictionary weights, string prefix)
        {
            var count = 0;
            while (weights.ContainsKey($"{prefix}.model.{count}.model.0.conv.weight"))
            {
                count++;
            }

            return count;
        }

        var options = new TinyBeautyNetOptions
        {
            Width = first.Shape[0],
            EncoderResidualBlocks = CountBlocks(weights, "content_encoder.resblocks"),
            DecoderResidualBlocks = CountBlocks(weights, "res"),
        };
        weights.ValidateFor(options);
        return options;
    }

    /// <summary>The smallest image side accepted: reflection padding at a quarter of it needs 2 pixels.</summary>
    public const int MinimumSide = 8;

    /// <summary>Throws unless a side is a multiple of 4 and at least <see cref="MinimumSide"/>.</summary>
    internal static void CheckSide(int side, string name)
    {
        if (side < MinimumSide || side % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(
                name, side, $"Image sides must be multiples of 4 and at least {MinimumSide}; {name} is {side}.");
        }
    }

    /// <summary>Throws when a width or block count is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Width is below 1 or a block count is negative.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 1, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfNegative(EncoderResidualBlocks, nameof(EncoderResidualBlocks));
        ArgumentOutOfRangeException.ThrowIfNegative(DecoderResidualBlocks, nameof(DecoderResidualBlocks));
    }
}
