using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>Shape checks shared by the training losses; messages name the argument and the shape received.</summary>
internal static class ImageTensors
{
    /// <summary>Throws unless the tensor is [N, 3, H, W].</summary>
    public static void CheckImage(Tensor image, string name)
    {
        ArgumentNullException.ThrowIfNull(image, name);
        var shape = image.shape;
        if (shape.Length != 4 || shape[1] != TinyBeautyNetOptions.ImageChannels)
        {
            throw new ArgumentException(
                $"{name} must be an image batch [N, 3, H, W]; its shape is {Format(shape)}.", name);
        }
    }

    /// <summary>Throws unless both tensors are [N, 3, H, W] with the same shape.</summary>
    public static void CheckPair(Tensor output, Tensor target)
    {
        CheckImage(output, nameof(output));
        CheckImage(target, nameof(target));
        if (!output.shape.AsSpan().SequenceEqual(target.shape))
        {
            throw new ArgumentException(
                $"output and target must have the same shape; output is {Format(output.shape)} and target is "
                + $"{Format(target.shape)}.",
                nameof(target));
        }
    }

    /// <summary>Formats a shape as <c>[2, 3, 64, 64]</c>.</summary>
    public static string Format(ReadOnlySpan<long> shape) => $"[{string.Join(", ", shape.ToArray())}]";
}
