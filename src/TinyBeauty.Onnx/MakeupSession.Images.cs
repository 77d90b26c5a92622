using System.Buffers;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Core;

namespace TinyBeauty.Onnx;

/// <content>ImageSharp conveniences and batches.</content>
public sealed partial class MakeupSession
{
    /// <summary>Makes up an ImageSharp image in place.</summary>
    /// <param name="image">The photo; its pixels are replaced by the made-up photo.</param>
    /// <param name="intensity">How strongly the makeup is applied, in [0, 2]; default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The intensity is outside [0, 2] or not finite.</exception>
    /// <exception cref="MakeupModelException">The model produced a value that is not finite.</exception>
    public void Apply(Image<Rgb24> image, float intensity = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ApplyToPixels(image, PixelLayout.Rgb24, intensity);
    }

    /// <summary>Makes up an ImageSharp image with alpha in place; the alpha channel is left untouched.</summary>
    /// <inheritdoc cref="Apply(Image{Rgb24}, float)"/>
    public void Apply(Image<Rgba32> image, float intensity = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ApplyToPixels(image, PixelLayout.Rgba32, intensity);
    }

    /// <summary>Makes up a copy of an ImageSharp image and returns it; the original is not changed.</summary>
    /// <inheritdoc cref="Apply(Image{Rgb24}, float)"/>
    public Image<Rgb24> ApplyToCopy(Image<Rgb24> image, float intensity = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        var copy = image.Clone();
        try
        {
            Apply(copy, intensity);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes up many photos in place, sending up to <see cref="MakeupSessionOptions.MaxBatchSize"/> of them to
    /// ONNX Runtime in one call. The photos may differ in size.
    /// </summary>
    /// <param name="images">The photos; each one's pixels are replaced by its made-up version.</param>
    /// <param name="intensity">How strongly the makeup is applied, in [0, 2]; default 1.</param>
    /// <param name="progress">Receives the number of photos finished so far, after each batch.</param>
    /// <param name="cancellationToken">Checked between batches; photos already made up stay made up.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="MakeupModelException">The model produced a value that is not finite.</exception>
    public void ApplyBatch(
        IReadOnlyList<Image<Rgb24>> images,
        float intensity = 1f,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckIntensity(intensity);
        var batchSize = Options.MaxBatchSize;
        var residualLength = ResidualLength;

        for (var start = 0; start < images.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            var count = Math.Min(batchSize, images.Count - start);
            using var workspace = new Workspace(count, InferenceSize);

            for (var index = 0; index < count; index++)
            {
                var image = images[start + index] ?? throw new ArgumentException(
                    $"The photo at position {start + index} is null.", nameof(images));
                WithPixels(image, PixelLayout.Rgb24, (view, target) =>
                    ImageNormalization.ResizeToPlanarRgb(view, target), workspace.InputView(InferenceSize, index));
            }

            Infer(workspace);

            for (var index = 0; index < count; index++)
            {
                var residual = workspace.Residual.AsMemory(index * residualLength, residualLength);
                WithPixels(images[start + index], PixelLayout.Rgb24, residual, intensity);
            }

            progress?.Report(start + count);
        }
    }

    private void ApplyToPixels<TPixel>(Image<TPixel> image, PixelLayout layout, float intensity)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        CheckIntensity(intensity);
        var workspace = RentWorkspace();
        try
        {
            WithPixels(image, layout, (view, target) => ImageNormalization.ResizeToPlanarRgb(view, target),
                workspace.InputView(InferenceSize));
            Infer(workspace);
            WithPixels(image, layout, workspace.Residual.AsMemory(), intensity);
        }
        finally
        {
            ReturnWorkspace(workspace);
        }
    }

    private delegate void ReadPixels(ReadOnlyImageView view, PlanarTensorView target);

    /// <summary>Runs a read-only step over an image's pixels, through a copy when they are not contiguous.</summary>
    private static void WithPixels<TPixel>(
        Image<TPixel> image, PixelLayout layout, ReadPixels step, PlanarTensorView target)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        if (image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            var bytes = MemoryMarshal.AsBytes(memory.Span);
            step(new ReadOnlyImageView(bytes, image.Width, image.Height, layout), target);
            return;
        }

        var length = image.Width * image.Height;
        var rented = ArrayPool<TPixel>.Shared.Rent(length);
        try
        {
            image.CopyPixelDataTo(rented.AsSpan(0, length));
            var bytes = MemoryMarshal.AsBytes(rented.AsSpan(0, length));
            step(new ReadOnlyImageView(bytes, image.Width, image.Height, layout), target);
        }
        finally
        {
            ArrayPool<TPixel>.Shared.Return(rented);
        }
    }

    /// <summary>Adds a residual to an image's pixels in place, through a contiguous copy when needed.</summary>
    private void WithPixels<TPixel>(Image<TPixel> image, PixelLayout layout, Memory<float> residual, float intensity)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var residualView = new ReadOnlyPlanarTensorView(residual.Span, ImageChannels, InferenceSize, InferenceSize);
        if (image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            var bytes = MemoryMarshal.AsBytes(memory.Span);
            var view = new ImageView(bytes, image.Width, image.Height, layout);
            ResidualApplier.Apply(residualView, view, view, intensity);
            return;
        }

        var length = image.Width * image.Height;
        var rented = ArrayPool<TPixel>.Shared.Rent(length);
        try
        {
            var pixels = rented.AsSpan(0, length);
            image.CopyPixelDataTo(pixels);
            var view = new ImageView(MemoryMarshal.AsBytes(pixels), image.Width, image.Height, layout);
            ResidualApplier.Apply(residualView, view, view, intensity);
            CopyBack(image, rented, length);
        }
        finally
        {
            ArrayPool<TPixel>.Shared.Return(rented);
        }
    }

    private static void CopyBack<TPixel>(Image<TPixel> image, TPixel[] pixels, int length)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        image.ProcessPixelRows(accessor =>
        {
            var source = pixels.AsSpan(0, length);
            for (var y = 0; y < accessor.Height; y++)
            {
                source.Slice(y * accessor.Width, accessor.Width).CopyTo(accessor.GetRowSpan(y));
            }
        });
    }
}
