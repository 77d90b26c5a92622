using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Guidance;

/// <summary>
/// TinyBeauty's residual diffusion model (RDM) synthesis: it combines the input x, the unconditional re-generation
/// F(x) and one conditional generation F(x, c) per style so that only the masked regions take the style, while the
/// input's fine detail survives.
/// </summary>
/// <remarks>
/// <para>
/// For one style with soft mask M: output = F(x) + M * lambda_d * (x - F(x)) + M * lambda_m * (F(x, c) - F(x)).
/// Where M = 0 the output is F(x); where M = 1, lambda_d = 1 and lambda_m = 0 it is x.
/// </para>
/// <para>
/// For several styles k with masks M_k and weights lambda_m,k:
/// output = F(x) + M_d * lambda_d * (x - F(x)) + sum_k M_k * lambda_m,k * (F(x, c_k) - F(x)), where the detail mask
/// M_d = min(1, sum_k M_k) is the union of the regions. Regions are meant not to overlap; where they do, both style
/// differences add up.
/// </para>
/// <para>
/// All tensors are images or latents [N, C, H, W] on one device; masks are [N or 1, 1, H, W] and broadcast over
/// channels. The computation is elementwise and works for pixels and latents alike.
/// </para>
/// </remarks>
public static class ResidualDiffusionSynthesis
{
    /// <summary>Combines the branches.</summary>
    /// <param name="input">x, the input image or latents [N, C, H, W].</param>
    /// <param name="unconditionalOutput">F(x), the same shape.</param>
    /// <param name="styles">At least one style region; each conditional output has the input's shape.</param>
    /// <param name="options">The weights; null means <see cref="ResidualDiffusionOptions.Paper"/>.</param>
    /// <returns>The synthesis, owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">An argument or a style's tensor is null.</exception>
    /// <exception cref="ArgumentException">
    /// The style list is empty, or a shape does not fit the input; the message names the style index.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is not finite.</exception>
    public static Tensor Compose(
        Tensor input,
        Tensor unconditionalOutput,
        IReadOnlyList<StyleRegion> styles,
        ResidualDiffusionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(unconditionalOutput);
        ArgumentNullException.ThrowIfNull(styles);
        options ??= ResidualDiffusionOptions.Paper;
        options.Validate();
        ValidateShapes(input, unconditionalOutput, styles);

        using var scope = NewDisposeScope();
        var detailMask = zeros_like(styles[0].Mask, dtype: input.dtype, device: input.device);
        var styleSum = zeros_like(input);
        foreach (var style in styles)
        {
            var mask = style.Mask.to(input.dtype, input.device);
            var weight = style.StyleWeight ?? options.StyleWeight;
            detailMask = detailMask + mask;
            styleSum = styleSum + (mask * weight * (style.ConditionalOutput - unconditionalOutput));
        }

        detailMask = detailMask.clamp_max(1.0);
        var detail = detailMask * options.DetailWeight * (input - unconditionalOutput);
        var output = unconditionalOutput + detail + styleSum;
        return output.MoveToOuterDisposeScope();
    }

    private static void ValidateShapes(Tensor input, Tensor unconditionalOutput, IReadOnlyList<StyleRegion> styles)
    {
        if (input.dim() != 4)
        {
            throw new ArgumentException(
                $"Expected an input [N, C, H, W], got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        if (!input.shape.AsSpan().SequenceEqual(unconditionalOutput.shape))
        {
            throw new ArgumentException(
                $"F(x) has shape [{string.Join(", ", unconditionalOutput.shape)}], "
                + $"the input [{string.Join(", ", input.shape)}].",
                nameof(unconditionalOutput));
        }

        if (styles.Count == 0)
        {
            throw new ArgumentException("At least one style region is needed.", nameof(styles));
        }

        for (var index = 0; index < styles.Count; index++)
        {
            var style = styles[index] ?? throw new ArgumentNullException(nameof(styles), $"Style {index} is null.");
            ArgumentNullException.ThrowIfNull(style.ConditionalOutput, nameof(styles));
            ArgumentNullException.ThrowIfNull(style.Mask, nameof(styles));
            if (!input.shape.AsSpan().SequenceEqual(style.ConditionalOutput.shape))
            {
                throw new ArgumentException(
                    $"Style {index}: F(x, c) has shape [{string.Join(", ", style.ConditionalOutput.shape)}], "
                    + $"the input [{string.Join(", ", input.shape)}].",
                    nameof(styles));
            }

            var maskShape = style.Mask.shape;
            var fits = maskShape.Length == 4 && (maskShape[0] == 1 || maskShape[0] == input.shape[0])
                && maskShape[1] == 1 && maskShape[2] == input.shape[2] && maskShape[3] == input.shape[3];
            if (!fits)
            {
                throw new ArgumentException(
                    $"Style {index}: expected a mask [N or 1, 1, {input.shape[2]}, {input.shape[3]}], "
                    + $"got [{string.Join(", ", maskShape)}].",
                    nameof(styles));
            }

            if (style.StyleWeight is { } weight && !double.IsFinite(weight))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(styles), weight, $"Style {index}: lambda_m must be finite.");
            }
        }
    }
}
