using System.Buffers;
using System.Numerics.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Core;

namespace TinyBeauty.Onnx;

/// <summary>
/// Blends several styles into one look: each style's model predicts its residual from the same photo, the
/// residuals are summed with their weights, and the sum is applied once at full resolution.
/// </summary>
/// <remarks>
/// The weights are used as given, not normalised: weights that add up to 1 keep the overall strength of one
/// style, larger sums strengthen the result. The blend does not own its sessions; dispose them separately.
/// Like <see cref="MakeupSession"/>, a blend is thread-safe.
/// </remarks>
public sealed class MakeupBlend
{
    private readonly (MakeupSession Session, float Weight)[] _styles;

    /// <summary>Creates a blend of styles with their weights.</summary>
    /// <exception cref="ArgumentException">No style is given, a weight is not finite, or the sessions differ in
    /// inference size.</exception>
    public MakeupBlend(IEnumerable<(MakeupSession Session, float Weight)> styles)
    {
        ArgumentNullException.ThrowIfNull(styles);
        _styles = styles.ToArray();
        if (_styles.Length == 0)
        {
            throw new ArgumentException("A blend needs at least one style.", nameof(styles));
        }

        foreach (var (session, weight) in _styles)
        {
            ArgumentNullException.ThrowIfNull(session, nameof(styles));
            if (!float.IsFinite(weight))
            {
                throw new ArgumentException($"Every style weight must be finite, but one is {weight}.", nameof(styles));
            }

            if (session.InferenceSize != _styles[0].Session.InferenceSize)
            {
                throw new ArgumentException(
                    $"Every style must use the same inference size, but {session.InferenceSize} and "
                    + $"{_styles[0].Session.InferenceSize} are mixed (sessions run a model at the side it records "
                    + "unless MakeupSessionOptions.InferenceSize sets one; set the same for every style).",
                    nameof(styles));
            }
        }
    }

    /// <summary>Gets the inference size shared by every style.</summary>
    public int InferenceSize => _styles[0].Session.InferenceSize;

    /// <summary>Makes up a photo with the blended styles; source and destination may be the same memory.</summary>
    /// <exception cref="ArgumentException">The views differ in size or layout.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The intensity is outside [0, 2] or not finite.</exception>
    /// <exception cref="MakeupModelException">A model produced a value that is not finite.</exception>
    public void Apply(ReadOnlyImageView source, ImageView destination, float intensity = 1f)
    {
        MakeupSession.CheckIntensity(intensity);
        var length = _styles[0].Session.ResidualLength;
        var size = InferenceSize;
        var input = ArrayPool<float>.Shared.Rent(length);
        var blended = ArrayPool<float>.Shared.Rent(length);
        var single = ArrayPool<float>.Shared.Rent(length);

        try
        {
            // Every style sees the same resized photo: prepare it once.
            var inputView = new PlanarTensorView(input.AsSpan(0, length), 3, size, size);
            ImageNormalization.ResizeToPlanarRgb(source, inputView);

            var sum = blended.AsSpan(0, length);
            sum.Clear();
            foreach (var (session, weight) in _styles)
            {
                var residual = single.AsSpan(0, length);
                session.Predict(inputView, new PlanarTensorView(residual, 3, size, size));
                TensorPrimitives.MultiplyAdd(residual, weight, sum, sum);
            }

            ResidualApplier.Apply(new ReadOnlyPlanarTensorView(sum, 3, size, size), source, destination, intensity);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(single);
            ArrayPool<float>.Shared.Return(blended);
            ArrayPool<float>.Shared.Return(input);
        }
    }

    /// <summary>Makes up an ImageSharp image in place with the blended styles.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The intensity is outside [0, 2] or not finite.</exception>
    /// <exception cref="MakeupModelException">A model produced a value that is not finite.</exception>
    /// <exception cref="NotSupportedException">The image's pixels are not held in one contiguous buffer; images
    /// read by <see cref="MakeupImage.Load(string, long)"/> always are.</exception>
    public void Apply(Image<Rgb24> image, float intensity = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        var view = MakeupSession.ContiguousView(image);
        Apply(view, view, intensity);
    }
}
