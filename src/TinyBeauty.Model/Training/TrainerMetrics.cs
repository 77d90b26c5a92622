using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// PSNR and SSIM on float image tensors in [-1, 1], as <see cref="ValidationMetrics"/> describes them.
/// </summary>
internal static class TrainerMetrics
{
    private const double MaximumPsnr = 100;
    private const double K1 = 0.01;
    private const double K2 = 0.03;

    /// <summary>Returns the PSNR in dB of one image pair [1, 3, H, W], on the [0, 1] scale.</summary>
    public static double PeakSignalToNoiseRatio(Tensor output, Tensor target)
    {
        using var scope = NewDisposeScope();
        var difference = (output - target) / 2;
        var meanSquare = difference.square().mean().ToDouble();
        return meanSquare <= 0 ? MaximumPsnr : Math.Min(MaximumPsnr, -10 * Math.Log10(meanSquare));
    }

    /// <summary>Returns the SSIM of one image pair [1, 3, H, W] averaged over channels and window positions.</summary>
    public static double StructuralSimilarity(Tensor output, Tensor target)
    {
        using var scope = NewDisposeScope();
        var side = (int)Math.Min(11, Math.Min(output.shape[2], output.shape[3]));
        if (side % 2 == 0)
        {
            side--;
        }

        var window = GaussianWindow(side, 1.5, output.device);
        var x = (output + 1) / 2;
        var y = (target + 1) / 2;

        Tensor Blur(Tensor image) => nn.functional.conv2d(image, window, groups: 3);

        var meanX = Blur(x);
        var meanY = Blur(y);
        var varianceX = Blur(x * x) - meanX.square();
        var varianceY = Blur(y * y) - meanY.square();
        var covariance = Blur(x * y) - (meanX * meanY);
        var c1 = K1 * K1;
        var c2 = K2 * K2;
        var map = ((2 * meanX * meanY) + c1) * ((2 * covariance) + c2)
            / ((meanX.square() + meanY.square() + c1) * (varianceX + varianceY + c2));
        return map.mean().ToDouble();
    }

    private static Tensor GaussianWindow(int side, double sigma, Device device)
    {
        var values = new float[side];
        var centre = (side - 1) / 2.0;
        double sum = 0;
        for (var index = 0; index < side; index++)
        {
            var value = Math.Exp(-((index - centre) * (index - centre)) / (2 * sigma * sigma));
            values[index] = (float)value;
            sum += value;
        }

        for (var index = 0; index < side; index++)
        {
            values[index] /= (float)sum;
        }

        var line = tensor(values, [side], device: device);
        return outer(line, line).expand(3, 1, side, side).contiguous();
    }
}
