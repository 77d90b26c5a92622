using TinyBeauty.Model.Checkpoints;

namespace TinyBeauty.Model.Tests.Network;

/// <summary>
/// A float64 forward pass of the TinyBeauty network written with plain loops straight from the architecture
/// description, independent of TorchSharp. Slow; meant for tiny networks and images.
/// </summary>
internal sealed class ReferenceNetwork(TinyBeautyNetOptions options, StateDictionary weights)
{
    private const double Eps = 1e-5;

    /// <summary>Runs one image [3, H, W] and returns the residual [3, H, W].</summary>
    public Map Forward(Map image)
    {
        var c0 = Relu(InstanceNorm(Convolution(image, "content_encoder.conv_first", 3, 1)));
        var c1 = Relu(InstanceNorm(Convolution(c0, "content_encoder.down1", 1, 2)));
        var c2 = Relu(InstanceNorm(Convolution(c1, "content_encoder.down2", 1, 2)));
        var c3 = Residuals(c2, "content_encoder.resblocks", options.EncoderResidualBlocks);
        var r = Residuals(c3, "res", options.DecoderResidualBlocks);
        var u1 = Relu(LayerNorm(Convolution(Upsample(Concat(c2, r)), "upconv1", 1, 1), "upconv1.norm"));
        var u2 = Relu(LayerNorm(Convolution(Upsample(Concat(c1, u1)), "upconv2", 1, 1), "upconv2.norm"));
        var output = Convolution(u2, "out", 1, 1);
        return output.Select(Math.Tanh);
    }

    /// <summary>Pads by reflection: the edge pixel is not repeated.</summary>
    public static Map ReflectPad(Map input, int pad)
    {
        var output = new Map(input.Channels, input.Height + (2 * pad), input.Width + (2 * pad));
        for (var c = 0; c < output.Channels; c++)
        {
            for (var y = 0; y < output.Height; y++)
            {
                for (var x = 0; x < output.Width; x++)
                {
                    output[c, y, x] = input[c, Reflect(y - pad, input.Height), Reflect(x - pad, input.Width)];
                }
            }
        }

        return output;
    }

    /// <summary>Layer norm as upstream: unbiased std over the whole sample, eps added to the std.</summary>
    public static Map LayerNorm(Map input, double[] gamma, double[] beta)
    {
        var mean = input.Data.Average();
        var sum = input.Data.Sum(value => (value - mean) * (value - mean));
        var std = Math.Sqrt(sum / (input.Data.Length - 1));
        var output = new Map(input.Channels, input.Height, input.Width);
        for (var c = 0; c < input.Channels; c++)
        {
            for (var y = 0; y < input.Height; y++)
            {
                for (var x = 0; x < input.Width; x++)
                {
                    output[c, y, x] = ((input[c, y, x] - mean) / (std + Eps) * gamma[c]) + beta[c];
                }
            }
        }

        return output;
    }

    private static int Reflect(int index, int size) =>
        index < 0 ? -index : index >= size ? (2 * (size - 1)) - index : index;

    private Map Residuals(Map input, string prefix, int count)
    {
        var current = input;
        for (var block = 0; block < count; block++)
        {
            var name = $"{prefix}.model.{block}.model";
            var inner = Relu(InstanceNorm(Convolution(current, $"{name}.0", 1, 1)));
            var outer = InstanceNorm(Convolution(inner, $"{name}.1", 1, 1));
            current = outer.Zip(current, (a, b) => a + b);
        }

        return current;
    }

    private Map Convolution(Map input, string prefix, int pad, int stride)
    {
        var weight = weights[$"{prefix}.conv.weight"];
        var bias = weights[$"{prefix}.conv.bias"].Data;
        int outputs = weight.Shape[0], inputs = weight.Shape[1], kernel = weight.Shape[2];
        var padded = ReflectPad(input, pad);
        var output = new Map(
            outputs,
            ((padded.Height - kernel) / stride) + 1,
            ((padded.Width - kernel) / stride) + 1);
        for (var o = 0; o < outputs; o++)
        {
            for (var y = 0; y < output.Height; y++)
            {
                for (var x = 0; x < output.Width; x++)
                {
                    double sum = bias[o];
                    for (var i = 0; i < inputs; i++)
                    {
                        for (var ky = 0; ky < kernel; ky++)
                        {
                            for (var kx = 0; kx < kernel; kx++)
                            {
                                var w = weight.Data[(((((o * inputs) + i) * kernel) + ky) * kernel) + kx];
                                sum += w * padded[i, (y * stride) + ky, (x * stride) + kx];
                            }
                        }
                    }

                    output[o, y, x] = sum;
                }
            }
        }

        return output;
    }

    private static Map InstanceNorm(Map input)
    {
        var output = new Map(input.Channels, input.Height, input.Width);
        var plane = input.Height * input.Width;
        for (var c = 0; c < input.Channels; c++)
        {
            var values = input.Data.AsSpan(c * plane, plane).ToArray();
            var mean = values.Average();
            var variance = values.Sum(value => (value - mean) * (value - mean)) / plane;
            for (var index = 0; index < plane; index++)
            {
                output.Data[(c * plane) + index] = (values[index] - mean) / Math.Sqrt(variance + Eps);
            }
        }

        return output;
    }

    private Map LayerNorm(Map input, string prefix) =>
        LayerNorm(input, ToDouble(weights[$"{prefix}.gamma"].Data), ToDouble(weights[$"{prefix}.beta"].Data));

    private static Map Relu(Map input) => input.Select(value => Math.Max(value, 0));

    private static Map Upsample(Map input)
    {
        var output = new Map(input.Channels, input.Height * 2, input.Width * 2);
        for (var c = 0; c < output.Channels; c++)
        {
            for (var y = 0; y < output.Height; y++)
            {
                for (var x = 0; x < output.Width; x++)
                {
                    output[c, y, x] = input[c, y / 2, x / 2];
                }
            }
        }

        return output;
    }

    private static Map Concat(Map first, Map second)
    {
        var output = new Map(first.Channels + second.Channels, first.Height, first.Width);
        first.Data.CopyTo(output.Data, 0);
        second.Data.CopyTo(output.Data, first.Data.Length);
        return output;
    }

    private static double[] ToDouble(float[] values) => values.Select(value => (double)value).ToArray();
}

/// <summary>A float64 feature map [C, H, W] in row-major order.</summary>
internal sealed class Map(int channels, int height, int width)
{
    public int Channels { get; } = channels;

    public int Height { get; } = height;

    public int Width { get; } = width;

    public double[] Data { get; } = new double[channels * height * width];

    public double this[int c, int y, int x]
    {
        get => Data[(((c * Height) + y) * Width) + x];
        set => Data[(((c * Height) + y) * Width) + x] = value;
    }

    public Map Select(Func<double, double> function)
    {
        var output = new Map(Channels, Height, Width);
        for (var index = 0; index < Data.Length; index++)
        {
            output.Data[index] = function(Data[index]);
        }

        return output;
    }

    public Map Zip(Map other, Func<double, double, double> function)
    {
        var output = new Map(Channels, Height, Width);
        for (var index = 0; index < Data.Length; index++)
        {
            output.Data[index] = function(Data[index], other.Data[index]);
        }

        return output;
    }
}
