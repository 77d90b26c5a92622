using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// The generator's training objective: the weighted sum of the reconstruction, eyeliner, perceptual and
/// adversarial terms chosen by <see cref="MakeupLossOptions"/>, with a per-term breakdown for logging.
/// </summary>
/// <remarks>
/// <para>
/// Only terms with a positive weight are computed. The perceptual network and the discriminator must be on the
/// images' device; a perceptual network loaded from <see cref="MakeupLossOptions.PerceptualWeightsPath"/> starts
/// on the CPU and can be moved through <see cref="Perceptual"/>.
/// </para>
/// <para>
/// The adversarial term scores the output with <see cref="Discriminator"/> as it stands (training mode advances its
/// power iteration); the gradient of the total also reaches the discriminator's parameters, so zero them before
/// the discriminator's own step. Dispose this object to free a perceptual network it loaded itself; modules passed
/// in stay the caller's.
/// </para>
/// </remarks>
public sealed class MakeupLoss : IDisposable
{
    private readonly bool _ownsPerceptual;

    private bool _disposed;

    /// <summary>Creates the objective.</summary>
    /// <param name="options">The term weights; null means the defaults (L1 1, eyeliner 0.5, others off).</param>
    /// <param name="perceptual">
    /// The perceptual network to use; when null and the perceptual weight is positive, it is loaded from
    /// <see cref="MakeupLossOptions.PerceptualWeightsPath"/>.
    /// </param>
    /// <param name="discriminator">The discriminator for the adversarial term; needed when its weight is positive.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A weight is out of range.</exception>
    /// <exception cref="ArgumentException">
    /// A positive perceptual weight without a module or weights path, or a positive adversarial weight without a
    /// discriminator.
    /// </exception>
    /// <exception cref="InvalidDataException">The VGG-16 weights file is unreadable or lacks a tensor.</exception>
    public MakeupLoss(
        MakeupLossOptions? options = null,
        PerceptualLoss? perceptual = null,
        PatchDiscriminator? discriminator = null)
    {
        Options = options ?? new MakeupLossOptions();
        Options.Validate();

        if (Options.AdversarialWeight > 0 && discriminator is null)
        {
            throw new ArgumentException(
                $"AdversarialWeight is {Options.AdversarialWeight} but no discriminator was given.",
                nameof(discriminator));
        }

        if (Options.PerceptualWeight > 0 && perceptual is null)
        {
            if (Options.PerceptualWeightsPath is null)
            {
                throw new ArgumentException(
                    $"PerceptualWeight is {Options.PerceptualWeight} but neither a PerceptualLoss nor "
                    + "PerceptualWeightsPath was given.",
                    nameof(perceptual));
            }

            perceptual = PerceptualLoss.Load(Options.PerceptualWeightsPath);
            _ownsPerceptual = true;
        }

        Perceptual = perceptual;
        Discriminator = discriminator;
    }

    /// <summary>Gets the term weights.</summary>
    public MakeupLossOptions Options { get; }

    /// <summary>Gets the perceptual network, or null when none was given or loaded.</summary>
    public PerceptualLoss? Perceptual { get; }

    /// <summary>Gets the discriminator used by the adversarial term, or null.</summary>
    public PatchDiscriminator? Discriminator { get; }

    /// <summary>Computes the weighted total and the per-term values.</summary>
    /// <param name="output">The network's styled image, float [N, 3, H, W] in [-1, 1].</param>
    /// <param name="target">The wanted image, float [N, 3, H, W] in [-1, 1], on the same device.</param>
    /// <param name="eyeMask">
    /// Float [N, 1, H, W] in [0, 1] marking the eye regions; required when the eyeliner weight is positive,
    /// ignored otherwise.
    /// </param>
    /// <param name="before">
    /// The photo before makeup, float [N, 3, H, W] in [-1, 1]; required when
    /// <see cref="MakeupLossOptions.ChangeEmphasis"/> is positive, ignored otherwise.
    /// </param>
    /// <param name="regionMask">
    /// Float [N, 1, H, W] in [0, 1] marking the made-up regions; required when
    /// <see cref="MakeupLossOptions.RegionEmphasis"/> is positive, ignored otherwise.
    /// </param>
    /// <returns>
    /// <c>Total</c>, a scalar tensor to call <c>backward()</c> on (the caller owns it), and <c>Breakdown</c>,
    /// the values as floats. Reading the floats waits for the device.
    /// </returns>
    /// <exception cref="ArgumentException">
    /// A tensor is misshaped, the eyeliner weight is positive and <paramref name="eyeMask"/> is null, the change
    /// emphasis is positive and <paramref name="before"/> is null, or the region emphasis is positive and
    /// <paramref name="regionMask"/> is null.
    /// </exception>
    /// <exception cref="ObjectDisposedException">This object was disposed.</exception>
    public (Tensor Total, MakeupLossBreakdown Breakdown) Compute(
        Tensor output,
        Tensor target,
        Tensor? eyeMask = null,
        Tensor? before = null,
        Tensor? regionMask = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ImageTensors.CheckPair(output, target);
        if (Options.EyelinerWeight > 0 && eyeMask is null)
        {
            throw new ArgumentException(
                $"EyelinerWeight is {Options.EyelinerWeight}, so an eye mask [N, 1, H, W] is required.",
                nameof(eyeMask));
        }

        if (Options.ChangeEmphasis > 0)
        {
            if (before is null)
            {
                throw new ArgumentException(
                    $"ChangeEmphasis is {Options.ChangeEmphasis}, so the before image [N, 3, H, W] is required.",
                    nameof(before));
            }

            ImageTensors.CheckPair(before, target);
        }

        if (Options.RegionEmphasis > 0 && regionMask is null)
        {
            throw new ArgumentException(
                $"RegionEmphasis is {Options.RegionEmphasis}, so a region mask [N, 1, H, W] is required.",
                nameof(regionMask));
        }

        using var scope = NewDisposeScope();
        var terms = new List<(double Weight, Tensor Value)>();
        float reconstruction = 0, squared = 0, eyeliner = 0, perceptual = 0, adversarial = 0;
        var pixelWeights = PixelWeights(before, target, regionMask);

        if (Options.ReconstructionWeight > 0)
        {
            var value = pixelWeights is null
                ? ReconstructionLoss.Compute(output, target)
                : ReconstructionLoss.Compute(output, target, pixelWeights);
            terms.Add((Options.ReconstructionWeight, value));
            reconstruction = value.ToSingle();
        }

        if (Options.SquaredWeight > 0)
        {
            var value = pixelWeights is null
                ? ReconstructionLoss.ComputeSquared(output, target)
                : ReconstructionLoss.ComputeSquared(output, target, pixelWeights);
            terms.Add((Options.SquaredWeight, value));
            squared = value.ToSingle();
        }

        if (Options.EyelinerWeight > 0)
        {
            var value = EyelinerLoss.Compute(output, target, eyeMask!);
            terms.Add((Options.EyelinerWeight, value));
            eyeliner = value.ToSingle();
        }

        if (Options.PerceptualWeight > 0)
        {
            var value = Perceptual!.forward(output, target);
            terms.Add((Options.PerceptualWeight, value));
            perceptual = value.ToSingle();
        }

        if (Options.AdversarialWeight > 0)
        {
            var value = AdversarialLoss.GeneratorLoss(Discriminator!.forward(output));
            terms.Add((Options.AdversarialWeight, value));
            adversarial = value.ToSingle();
        }

        // Validate guarantees at least one positive weight, so the list is never empty.
        var total = terms[0].Value * terms[0].Weight;
        foreach (var (weight, value) in terms.Skip(1))
        {
            total = total + (value * weight);
        }

        var breakdown = new MakeupLossBreakdown(reconstruction, eyeliner, perceptual, adversarial, total.ToSingle())
        {
            Squared = squared,
        };
        return (total.MoveToOuterDisposeScope(), breakdown);
    }

    /// <summary>
    /// Per-pixel reconstruction weights <c>1 + change * min(1, 8 * mean |after - before|) + region * mask</c>,
    /// [N, 1, H, W], or null when neither emphasis is on (plain means).
    /// </summary>
    private Tensor? PixelWeights(Tensor? before, Tensor target, Tensor? regionMask)
    {
        if (Options.ChangeEmphasis == 0 && Options.RegionEmphasis == 0)
        {
            return null;
        }

        using var noGrad = no_grad();
        var shape = target.shape;
        var weights = ones([shape[0], 1, shape[2], shape[3]], target.dtype, target.device);
        if (Options.ChangeEmphasis > 0)
        {
            var change = (target - before!).abs().mean([1], keepdim: true).mul(8).clamp_max(1);
            weights = weights + change.mul(Options.ChangeEmphasis);
        }

        if (Options.RegionEmphasis > 0)
        {
            if (!regionMask!.shape.SequenceEqual(weights.shape))
            {
                throw new ArgumentException(
                    $"The region mask must be [{string.Join(", ", weights.shape)}], "
                    + $"not [{string.Join(", ", regionMask.shape)}].",
                    nameof(regionMask));
            }

            weights = weights + regionMask.to_type(target.dtype).clamp(0, 1).mul(Options.RegionEmphasis);
        }

        return weights;
    }

    /// <summary>Frees the perceptual network if this object loaded it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsPerceptual)
        {
            Perceptual?.Dispose();
        }
    }
}
