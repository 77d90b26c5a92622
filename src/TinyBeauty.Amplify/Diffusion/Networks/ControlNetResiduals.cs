using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// What a <see cref="ControlNetModel"/> adds to a <see cref="UNet2DConditionModel"/>: one residual per skip
/// connection of the down path and one for the mid block output.
/// </summary>
/// <remarks>
/// The instance owns its tensors: <see cref="Dispose"/> frees them (it is safe to call twice). The UNet adds
/// <see cref="DownBlockResiduals"/>[i] to its i-th skip connection (in down-path order: after <c>conv_in</c>, after
/// every residual layer, after every downsampler) and <see cref="MidBlockResidual"/> to the mid block output, as
/// diffusers does.
/// </remarks>
public sealed class ControlNetResiduals : IDisposable
{
    /// <summary>Wraps residuals; the instance takes ownership of the tensors.</summary>
    /// <param name="downBlockResiduals">One tensor per skip connection, each shaped like that skip.</param>
    /// <param name="midBlockResidual">A tensor shaped like the mid block output.</param>
    /// <exception cref="ArgumentNullException">An argument or a list item is null.</exception>
    public ControlNetResiduals(IReadOnlyList<Tensor> downBlockResiduals, Tensor midBlockResidual)
    {
        ArgumentNullException.ThrowIfNull(downBlockResiduals);
        ArgumentNullException.ThrowIfNull(midBlockResidual);
        if (downBlockResiduals.Any(residual => residual is null))
        {
            throw new ArgumentNullException(nameof(downBlockResiduals), "A down-block residual is null.");
        }

        DownBlockResiduals = downBlockResiduals.ToArray();
        MidBlockResidual = midBlockResidual;
    }

    /// <summary>Gets the residuals of the skip connections, in down-path order.</summary>
    public IReadOnlyList<Tensor> DownBlockResiduals { get; }

    /// <summary>Gets the residual of the mid block output.</summary>
    public Tensor MidBlockResidual { get; }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        foreach (var residual in DownBlockResiduals)
        {
            residual.Dispose();
        }

        MidBlockResidual.Dispose();
    }
}
