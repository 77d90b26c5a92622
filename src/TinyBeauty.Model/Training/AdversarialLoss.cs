using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// The least-squares GAN (LSGAN) objectives, on the patch scores of a <see cref="PatchDiscriminator"/>: real
/// patches are pushed towards 1 and generated ones towards 0.
/// </summary>
public static class AdversarialLoss
{
    /// <summary>
    /// The discriminator's loss: <c>0.5 * (mean((real - 1)^2) + mean(fake^2))</c>.
    /// </summary>
    /// <param name="realScores">Scores of real images, any shape (usually [N, 1, h, w]).</param>
    /// <param name="fakeScores">
    /// Scores of generated images, any shape; detach the generator's output before scoring it so that this loss
    /// does not reach the generator.
    /// </param>
    /// <returns>A scalar tensor, 0 when every real score is 1 and every fake score is 0; the caller owns it.</returns>
    public static Tensor DiscriminatorLoss(Tensor realScores, Tensor fakeScores)
    {
        ArgumentNullException.ThrowIfNull(realScores);
        ArgumentNullException.ThrowIfNull(fakeScores);

        using var scope = NewDisposeScope();
        var real = (realScores - 1).square().mean();
        var fake = fakeScores.square().mean();
        var loss = 0.5 * (real + fake);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The generator's loss: <c>0.5 * mean((fake - 1)^2)</c>, lowest when the discriminator scores generated
    /// patches as real.
    /// </summary>
    /// <param name="fakeScores">Scores of generated images, any shape, still attached to the generator's graph.</param>
    /// <returns>A scalar tensor; the caller owns it.</returns>
    public static Tensor GeneratorLoss(Tensor fakeScores)
    {
        ArgumentNullException.ThrowIfNull(fakeScores);

        using var scope = NewDisposeScope();
        var loss = 0.5 * (fakeScores - 1).square().mean();
        return loss.MoveToOuterDisposeScope();
    }
}
