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

    /// <summary>Throws when a width or block count is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Width is below 1 or a block count is negative.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 1, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfNegative(EncoderResidualBlocks, nameof(EncoderResidualBlocks));
        ArgumentOutOfRangeException.ThrowIfNegative(DecoderResidualBlocks, nameof(DecoderResidualBlocks));
    }
}
