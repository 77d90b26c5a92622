using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// The pixel reconstruction terms: the mean absolute difference (L1) between the styled output and the target, and
/// the mean squared difference.
/// </summary>
/// <remarks>
/// L1 is the paper's loss and keeps edges sharp, but where a network cannot tell from the photo whether a pixel is
/// made up (a soft blush, the exact line of a liner) its best L1 answer is the median, often "no change". The
/// squared difference is minimised by the mean instead, a faint version of the uncertain makeup, which is also what
/// PSNR rewards; <see cref="MakeupLossOptions.SquaredWeight"/> adds it beside L1.
/// </remarks>
public static class ReconstructionLoss
{
    /// <summary>
    /// Computes <c>mean(|output - target|)</c> over every element.
    /// </summary>
    /// <param name="output">The network's styled image, float [N, 3, H, W] in [-1, 1].</param>
    /// <param name="target">The wanted image, float [N, 3, H, W] in [-1, 1], on the same device.</param>
    /// <returns>
    /// A scalar tensor, 0 for identical images and at most 2 for inputs in range. It carries the gradient to
    /// <paramref name="output"/> (and to <paramref name="target"/> if it requires one); the caller owns it.
    /// </returns>
    /// <exception cref="ArgumentException">A tensor is not [N, 3, H, W] or the shapes differ.</exception>
    public static Tensor Compute(Tensor output, Tensor target)
    {
        ImageTensors.CheckPair(output, target);

        using var scope = NewDisposeScope();
        var loss = nn.functional.l1_loss(output, target);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Computes the weighted mean absolute difference <c>sum(w * |output - target|) / (3 * sum(w))</c>, where each
    /// pixel's weight applies to its three channels.
    /// </summary>
    /// <param name="output">The network's styled image, float [N, 3, H, W] in [-1, 1].</param>
    /// <param name="target">The wanted image, float [N, 3, H, W] in [-1, 1], on the same device.</param>
    /// <param name="pixelWeights">Non-negative weights [N, 1, H, W], not all zero.</param>
    /// <returns>A scalar tensor carrying the gradient to <paramref name="output"/>; the caller owns it.</returns>
    /// <exception cref="ArgumentException">A tensor is misshaped.</exception>
    public static Tensor Compute(Tensor output, Tensor target, Tensor pixelWeights) =>
        WeightedMean(output, target, pixelWeights, squared: false);

    /// <summary>
    /// Computes the mean squared difference <c>mean((output - target)^2)</c> over every element.
    /// </summary>
    /// <param name="output">The network's styled image, float [N, 3, H, W] in [-1, 1].</param>
    /// <param name="target">The wanted image, float [N, 3, H, W] in [-1, 1], on the same device.</param>
    /// <returns>
    /// A scalar tensor, 0 for identical images and at most 4 for inputs in range; the caller owns it.
    /// </returns>
    /// <exception cref="ArgumentException">A tensor is not [N, 3, H, W] or the shapes differ.</exception>
    public static Tensor ComputeSquared(Tensor output, Tensor target)
    {
        ImageTensors.CheckPair(output, target);

        using var scope = NewDisposeScope();
        var loss = nn.functional.mse_loss(output, target);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Computes the weighted mean squared difference <c>sum(w * (output - target)^2) / (3 * sum(w))</c>, where each
    /// pixel's weight applies to its three channels.
    /// </summary>
    /// <param name="output">The network's styled image, float [N, 3, H, W] in [-1, 1].</param>
    /// <param name="target">The wanted image, float [N, 3, H, W] in [-1, 1], on the same device.</param>
    /// <param name="pixelWeights">Non-negative weights [N, 1, H, W], not all zero.</param>
    /// <returns>A scalar tensor carrying the gradient to <paramref name="output"/>; the caller owns it.</returns>
    /// <exception cref="ArgumentException">A tensor is misshaped.</exception>
    public static Tensor ComputeSquared(Tensor output, Tensor target, Tensor pixelWeights) =>
        WeightedMean(output, target, pixelWeights, squared: true);

    /// <summary><c>sum(w * d) / (3 * sum(w))</c> with d the absolute or squared difference per element.</summary>
    private static Tensor WeightedMean(Tensor output, Tensor target, Tensor pixelWeights, bool squared)
    {
        ImageTensors.CheckPair(output, target);
        ArgumentNullException.ThrowIfNull(pixelWeights);
        var shape = output.shape;
        if (!pixelWeights.shape.SequenceEqual(new[] { shape[0], 1, shape[2], shape[3] }))
        {
            throw new ArgumentException(
                $"The pixel weights must be [{shape[0]}, 1, {shape[2]}, {shape[3]}], "
                + $"not [{string.Join(", ", pixelWeights.shape)}].",
                nameof(pixelWeights));
        }

        using var scope = NewDisposeScope();
        var difference = output - target;
        var perElement = squared ? difference.square() : difference.abs();
        var loss = perElement.mul(pixelWeights).sum() / (pixelWeights.sum() * 3);
        return loss.MoveToOuterDisposeScope();
    }
}
