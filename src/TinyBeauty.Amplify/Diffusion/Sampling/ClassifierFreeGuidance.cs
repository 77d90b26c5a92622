using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>Classifier-free guidance: mixing an unconditional and a conditional noise prediction.</summary>
public static class ClassifierFreeGuidance
{
    /// <summary>
    /// Returns unconditional + scale * (conditional - unconditional). Scale 1 gives the conditional prediction,
    /// scale 0 the unconditional one; Stable Diffusion usually uses 7.5 and TinyBeauty's conditional branch 2.5.
    /// </summary>
    /// <param name="unconditional">The prediction without the condition.</param>
    /// <param name="conditional">The prediction with the condition, the same shape.</param>
    /// <param name="scale">The guidance scale; finite.</param>
    /// <returns>The guided prediction, owned by the caller.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not finite.</exception>
    public static Tensor Combine(Tensor unconditional, Tensor conditional, double scale)
    {
        ArgumentNullException.ThrowIfNull(unconditional);
        ArgumentNullException.ThrowIfNull(conditional);
        if (!double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The guidance scale must be finite.");
        }

        if (!unconditional.shape.AsSpan().SequenceEqual(conditional.shape))
        {
            throw new ArgumentException(
                $"The conditional prediction has shape [{string.Join(", ", conditional.shape)}], "
                + $"the unconditional one [{string.Join(", ", unconditional.shape)}].",
                nameof(conditional));
        }

        using var scope = NewDisposeScope();
        var guided = unconditional + (scale * (conditional - unconditional));
        return guided.MoveToOuterDisposeScope();
    }
}
