using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// The eyeliner term: compares the Sobel edge strength of the output and the target inside an eye mask, so that
/// thin, high-contrast strokes that an L1 loss averages away still count.
/// </summary>
/// <remarks>
/// <para>
/// Edges are taken per colour channel (not on a grayscale image), so a coloured liner whose luminance matches
/// the skin still produces an edge. The fixed kernels are the 3x3 Sobel pair
/// <c>[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]</c> and its transpose, divided by 8 so that the response to inputs in
/// [-1, 1] stays within [-1, 1]. Borders are padded by replicating the edge pixel, so the frame adds no edge.
/// The magnitude is <c>sqrt(gx^2 + gy^2 + 1e-6)</c>; the small constant keeps the gradient finite on flat areas.
/// </para>
/// <para>
/// The loss is <c>sum(mask * (|G(output)| - |G(target)|)^2) / max(3 * sum(mask), 1e-6)</c>: the mean squared
/// difference over the masked pixels and the three channels. An empty mask gives 0.
/// </para>
/// </remarks>
public static class EyelinerLoss
{
    private const double MagnitudeEpsilon = 1e-6;

    private const double AreaEpsilon = 1e-6;

    /// <summary>Computes the masked edge loss.</summary>
    /// <param name="output">The network's styled image, float [N, 3, H, W] in [-1, 1].</param>
    /// <param name="target">The wanted image, float [N, 3, H, W] in [-1, 1], on the same device.</param>
    /// <param name="eyeMask">
    /// Float [N, 1, H, W] in [0, 1]: 1 over the eye regions where liner belongs, 0 elsewhere; soft edges allowed.
    /// </param>
    /// <returns>A non-negative scalar tensor carrying the gradient to <paramref name="output"/>; the caller owns it.
    /// </returns>
    /// <exception cref="ArgumentException">
    /// A tensor is not [N, 3, H, W], the image shapes differ, or the mask is not [N, 1, H, W] for them.
    /// </exception>
    public static Tensor Compute(Tensor output, Tensor target, Tensor eyeMask)
    {
        ImageTensors.CheckPair(output, target);
        CheckMask(eyeMask, output.shape);

        using var scope = NewDisposeScope();
        var difference = EdgeMagnitude(output) - EdgeMagnitude(target);
        var mask = eyeMask.to_type(output.dtype);
        var weighted = (difference.square() * mask).sum();
        var area = (mask.sum() * TinyBeautyNetOptions.ImageChannels).clamp_min(AreaEpsilon);
        var loss = weighted / area;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Returns the per-channel Sobel magnitude [N, 3, H, W] of an image batch.</summary>
    internal static Tensor EdgeMagnitude(Tensor image)
    {
        using var scope = NewDisposeScope();
        var channels = image.shape[1];
        var horizontal = tensor(
            new float[] { -1, 0, 1, -2, 0, 2, -1, 0, 1 },
            [1, 1, 3, 3],
            dtype: image.dtype,
            device: image.device) / 8;
        var vertical = horizontal.transpose(2, 3);
        var kernels = cat([horizontal, vertical], 0).repeat(channels, 1, 1, 1);
        var padded = nn.functional.pad(image, [1, 1, 1, 1], PaddingModes.Replicate);
        var gradients = nn.functional.conv2d(padded, kernels, groups: channels);

        // Grouped convolution interleaves the results: channel c gives outputs 2c (x) and 2c + 1 (y).
        var pairs = gradients.reshape(image.shape[0], channels, 2, image.shape[2], image.shape[3]);
        var magnitude = (pairs.square().sum(2) + MagnitudeEpsilon).sqrt();
        return magnitude.MoveToOuterDisposeScope();
    }

    private static void CheckMask(Tensor eyeMask, ReadOnlySpan<long> imageShape)
    {
        ArgumentNullException.ThrowIfNull(eyeMask);
        var shape = eyeMask.shape;
        var valid = shape.Length == 4
            && shape[0] == imageShape[0]
            && shape[1] == 1
            && shape[2] == imageShape[2]
            && shape[3] == imageShape[3];
        if (!valid)
        {
            throw new ArgumentException(
                $"eyeMask must be [{imageShape[0]}, 1, {imageShape[2]}, {imageShape[3]}] for images of shape "
                + $"{ImageTensors.Format(imageShape)}; its shape is {ImageTensors.Format(shape)}.",
                nameof(eyeMask));
        }
    }
}
