namespace TinyBeauty.Model.Training;

/// <summary>
/// Turns pairs into the square crops the network trains and is validated on.
/// </summary>
internal static class TrainerSampler
{
    /// <summary>
    /// Writes one square crop of <paramref name="pair"/>, <paramref name="side"/> pixels across, into the destination
    /// spans ([3, side, side] for the images, [side, side] for the eye and region masks; a mask the pair lacks is
    /// written as 0). With <paramref name="random"/> null the
    /// crop is the centred square of the short side, unzoomed, unflipped and unjittered (the validation view).
    /// </summary>
    public static void Crop(
        TrainingPair pair,
        int side,
        TrainerOptions options,
        TrainerRandom? random,
        Span<float> before,
        Span<float> after,
        Span<float> eyeMask,
        Span<float> regionMask)
    {
        // The window is the square of the source that maps onto the crop: the image's short side divided by the zoom
        // factor, so an unjittered crop is the whole short side scaled to the crop size, as inference sees a photo.
        // A zoom below 1 makes the window larger than the image; the border is then mirrored.
        var zoom = random is null || options.ScaleJitter == 0
            ? 1.0
            : random.Uniform(1 - options.ScaleJitter, 1 + options.ScaleJitter);
        var window = Math.Min(pair.Height, pair.Width) / zoom;

        double left, top;
        if (random is not null && options.RandomCrop)
        {
            left = random.Uniform(0, pair.Width - window);
            top = random.Uniform(0, pair.Height - window);
        }
        else
        {
            left = (pair.Width - window) / 2;
            top = (pair.Height - window) / 2;
        }

        var flip = random is not null && options.HorizontalFlip && random.NextDouble() < 0.5;

        Span<float> gains = stackalloc float[3];
        var offset = 0f;
        gains.Fill(1f);
        if (random is not null && options.ColorJitter > 0)
        {
            for (var channel = 0; channel < 3; channel++)
            {
                gains[channel] = (float)random.Uniform(1 - options.ColorJitter, 1 + options.ColorJitter);
            }

            offset = (float)random.Uniform(-options.ColorJitter / 2, options.ColorJitter / 2);
        }

        // When shrinking, each crop pixel averages a taps x taps grid of bilinear samples over its footprint in the
        // source, so that large photos are not aliased (point sampling would skip most source pixels). Up to a 1.25x
        // shrink one tap is kept: bilinear weights still touch every source pixel there, and extra taps would blur.
        var step = window / side;
        var taps = Math.Max(1, (int)Math.Ceiling(step - 0.25));
        var tapWeight = 1f / (taps * taps);
        var plane = pair.Height * pair.Width;
        var area = side * side;
        Span<float> sums = stackalloc float[8];
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                var column = flip ? side - 1 - x : x;
                sums.Clear();
                for (var tapY = 0; tapY < taps; tapY++)
                {
                    var sourceY = top + ((y + ((tapY + 0.5) / taps)) * step) - 0.5;
                    for (var tapX = 0; tapX < taps; tapX++)
                    {
                        var sourceX = left + ((column + ((tapX + 0.5) / taps)) * step) - 0.5;
                        var taps4 = Bilinear(pair, sourceY, sourceX);
                        for (var channel = 0; channel < 3; channel++)
                        {
                            sums[channel] += Sample(pair.Before, channel * plane, taps4);
                            sums[3 + channel] += Sample(pair.After, channel * plane, taps4);
                        }

                        sums[6] += pair.EyeMask is null ? 0f : Sample(pair.EyeMask, 0, taps4);
                        sums[7] += pair.RegionMask is null ? 0f : Sample(pair.RegionMask, 0, taps4);
                    }
                }

                var target = (y * side) + x;
                for (var channel = 0; channel < 3; channel++)
                {
                    before[(channel * area) + target] = Jitter(sums[channel] * tapWeight, gains[channel], offset);
                    after[(channel * area) + target] = Jitter(sums[3 + channel] * tapWeight, gains[channel], offset);
                }

                eyeMask[target] = sums[6] * tapWeight;
                regionMask[target] = sums[7] * tapWeight;
            }
        }
    }

    private static (int, int, int, int, (float, float, float, float)) Bilinear(
        TrainingPair pair,
        double sourceY,
        double sourceX)
    {
        var y0 = (int)Math.Floor(sourceY);
        var x0 = (int)Math.Floor(sourceX);
        var fy = (float)(sourceY - y0);
        var fx = (float)(sourceX - x0);
        var top = Mirror(y0, pair.Height);
        var bottom = Mirror(y0 + 1, pair.Height);
        var left = Mirror(x0, pair.Width);
        var right = Mirror(x0 + 1, pair.Width);
        var weights = ((1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx);
        return (
            (top * pair.Width) + left,
            (top * pair.Width) + right,
            (bottom * pair.Width) + left,
            (bottom * pair.Width) + right,
            weights);
    }

    /// <summary>Maps an index outside [0, length) back inside by mirroring at the edges (-1 to 0, length to
    /// length - 1).</summary>
    private static int Mirror(int index, int length)
    {
        var period = 2 * length;
        index %= period;
        if (index < 0)
        {
            index += period;
        }

        return index < length ? index : period - 1 - index;
    }

    private static float Sample(
        float[] values,
        int start,
        (int Offset00, int Offset01, int Offset10, int Offset11, (float, float, float, float) Weights) taps)
    {
        var (w00, w01, w10, w11) = taps.Weights;
        return (values[start + taps.Offset00] * w00)
            + (values[start + taps.Offset01] * w01)
            + (values[start + taps.Offset10] * w10)
            + (values[start + taps.Offset11] * w11);
    }

    private static float Jitter(float value, float gain, float offset) =>
        Math.Clamp((value * gain) + offset, -1f, 1f);
}
