namespace TinyBeauty.Model.Training;

/// <summary>
/// The network's quality on the validation pairs at the end of an epoch, averaged over pairs. Each pair is run
/// alone and unaugmented: the centred square of its short side, scaled to <see cref="TrainerOptions.CropSize"/>.
/// The styled image is <c>clamp(before + residual, -1, 1)</c> and is compared with the after image.
/// </summary>
/// <param name="Epoch">The 1-based epoch just finished.</param>
/// <param name="Step">The step count at the end of that epoch.</param>
/// <param name="Loss">The mean weighted training objective on the validation pairs.</param>
/// <param name="PeakSignalToNoiseRatio">
/// The mean PSNR in dB over RGB with the signal range [0, 1] (pixel values mapped from [-1, 1]); capped at 100 dB for
/// identical images.
/// </param>
/// <param name="StructuralSimilarity">
/// The mean SSIM over the three channels with an 11 x 11 Gaussian window (sigma 1.5, smaller for images under 11
/// pixels) without padding, K1 0.01 and K2 0.03 on [0, 1] values. This is computed per RGB channel, so it differs
/// slightly from the luma-only SSIM of TinyBeauty.Core.
/// </param>
public sealed record ValidationMetrics(
    int Epoch,
    long Step,
    float Loss,
    double PeakSignalToNoiseRatio,
    double StructuralSimilarity);
