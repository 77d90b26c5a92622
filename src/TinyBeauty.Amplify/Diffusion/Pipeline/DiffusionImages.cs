using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TinyBeauty.Amplify.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>Conversions between images, masks and the tensors the networks read.</summary>
internal static class DiffusionImages
{
    private static readonly float[] s_clipMean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] s_clipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>An RGB image as [1, 3, size, size] in [-1, 1], resized (stretched) to size x size when it differs.
    /// </summary>
    public static Tensor ToTensor(Image<Rgb24> image, int size, Device device)
    {
        using var resized = image.Width == size && image.Height == size
            ? image.Clone()
            : image.Clone(context => context.Resize(size, size, KnownResamplers.Triangle));
        var bytes = new byte[size * size * 3];
        resized.CopyPixelDataTo(bytes);
        var values = new float[bytes.Length];
        var plane = size * size;
        for (var index = 0; index < plane; index++)
        {
            for (var channel = 0; channel < 3; channel++)
            {
                values[(channel * plane) + index] = (bytes[(index * 3) + channel] / 127.5f) - 1f;
            }
        }

        return tensor(values, [1, 3, size, size]).to(device);
    }

    /// <summary>A [1, 3, H, W] tensor in [-1, 1] as an RGB image: clamped, scaled to [0, 255] and rounded.</summary>
    public static Image<Rgb24> ToImage(Tensor image)
    {
        using var scope = NewDisposeScope();
        var height = (int)image.shape[2];
        var width = (int)image.shape[3];
        var scaled = ((image.detach().cpu().to_type(ScalarType.Float32).clamp(-1, 1) + 1) * 127.5).round();
        var values = scaled.contiguous().data<float>().ToArray();
        var plane = width * height;
        var bytes = new byte[plane * 3];
        for (var index = 0; index < plane; index++)
        {
            for (var channel = 0; channel < 3; channel++)
            {
                bytes[(index * 3) + channel] = (byte)values[(channel * plane) + index];
            }
        }

        return Image.LoadPixelData<Rgb24>(bytes, width, height);
    }

    /// <summary>An 8-bit mask (width * height bytes) as [1, 1, size, size] in [0, 1], resized when it differs.
    /// </summary>
    public static Tensor MaskToTensor(byte[] mask, int width, int height, int size, Device device)
    {
        using var scope = NewDisposeScope();
        var values = new float[mask.Length];
        for (var index = 0; index < mask.Length; index++)
        {
            values[index] = mask[index] / 255f;
        }

        var result = tensor(values, [1, 1, height, width]);
        if (width != size || height != size)
        {
            result = nn.functional.interpolate(result, [size, size], mode: InterpolationMode.Bilinear,
                align_corners: false).clamp(0, 1);
        }

        return result.to(device).MoveToOuterDisposeScope();
    }

    /// <summary>A pixel mask [1, 1, H, W] averaged over blocks of the VAE's downscale factor.</summary>
    public static Tensor ToLatentMask(Tensor pixelMask, int downscaleFactor) =>
        downscaleFactor == 1
            ? pixelMask.clone()
            : nn.functional.avg_pool2d(pixelMask, downscaleFactor, downscaleFactor);

    /// <summary>
    /// CLIP's preprocessing of images in [-1, 1]: back to [0, 1], bilinear resize to the encoder's side, then
    /// normalisation with CLIP's mean and standard deviation.
    /// </summary>
    public static Tensor ToClipInput(Tensor image, ClipVisionConfig config)
    {
        using var scope = NewDisposeScope();
        var unit = (image + 1) / 2;
        if (unit.shape[2] != config.ImageSize || unit.shape[3] != config.ImageSize)
        {
            unit = nn.functional.interpolate(unit, [config.ImageSize, config.ImageSize],
                mode: InterpolationMode.Bilinear, align_corners: false);
        }

        var mean = tensor(s_clipMean, [1, 3, 1, 1]).to(image.device);
        var std = tensor(s_clipStd, [1, 3, 1, 1]).to(image.device);
        return ((unit - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>The CLIP image embedding [1, projection width] of an image in [-1, 1], without gradients.</summary>
    public static Tensor Embed(DiffusionModels models, Tensor image)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var embedding = models.ImageEncoder.Forward(ToClipInput(image, models.Configs.ImageEncoder));
        return embedding.MoveToOuterDisposeScope();
    }
}
