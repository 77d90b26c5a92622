using System.Numerics;
using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>
/// Paints a <see cref="MakeupStyle"/> onto a face, placed by its 468-point mesh: eyeshadow, blush, brow tint,
/// eyeliner and lipstick, in that order.
/// </summary>
/// <remarks>
/// <para>
/// Each layer is a soft weight map (anti-aliased landmark polygons, distance fields and Gaussian patches) and is
/// blended in the OKLab colour space: the colour axes move towards the layer's colour by the weight times the
/// opacity, while lightness moves by the difference between the layer's lightness and the region's mean lightness.
/// Every pixel keeps its offset from that mean, so pores, lip lines and lighting show through the colour, as they
/// do through real makeup.
/// </para>
/// <para>
/// The methods are thread-safe; each call allocates weight maps the size of the face's bounding box. Known
/// shortcomings: the look is a stylised one (no shimmer particles, no lash thickening), the eyeliner follows the
/// mesh's lash line, which sits a little inside the real one on some faces, and closed eyes are not handled
/// specially.
/// </para>
/// </remarks>
public static class MakeupRenderer
{
    /// <summary>Renders a style onto a copy of a photo.</summary>
    /// <param name="photo">The photo, in any supported layout.</param>
    /// <param name="face">A face mesh in the photo's pixel coordinates.</param>
    /// <param name="style">The style to paint.</param>
    /// <param name="destination">Receives the made-up photo: same size and layout as the photo.</param>
    /// <exception cref="ArgumentException">
    /// The destination's size or layout differs from the photo's, the mesh is incomplete, or the style is invalid.
    /// </exception>
    public static void Render(ReadOnlyImageView photo, FaceLandmarks face, MakeupStyle style, ImageView destination)
    {
        if (photo.Width != destination.Width
            || photo.Height != destination.Height
            || photo.Layout != destination.Layout)
        {
            throw new ArgumentException(
                $"The destination is {destination.Width}x{destination.Height} {destination.Layout}, but the photo is " +
                $"{photo.Width}x{photo.Height} {photo.Layout}.",
                nameof(destination));
        }

        var rowBytes = photo.Width * photo.Layout.BytesPerPixel();
        for (var y = 0; y < photo.Height; y++)
        {
            photo.GetRow(y)[..rowBytes].CopyTo(destination.GetRow(y));
        }

        Render(destination, face, style);
    }

    /// <summary>Renders a style onto a photo in place.</summary>
    /// <param name="photo">The photo, in any supported layout; alpha, if any, is kept.</param>
    /// <param name="face">A face mesh in the photo's pixel coordinates.</param>
    /// <param name="style">The style to paint.</param>
    /// <exception cref="ArgumentException">The mesh is incomplete or the style is invalid.</exception>
    public static void Render(ImageView photo, FaceLandmarks face, MakeupStyle style)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(style);
        try
        {
            style.Validate();
        }
        catch (InvalidDataException exception)
        {
            throw new ArgumentException($"The style '{style.Name}' is not valid: {exception.Message}", nameof(style));
        }

        var canvas = FaceCanvas.Create(face, photo.Width, photo.Height);
        if (canvas is null)
        {
            return;
        }

        if (style.Eyeshadow is { } eyeshadow)
        {
            var weights = canvas.Eyeshadow(eyeshadow.Spread);
            Blend(photo, canvas, weights, OkLab.FromSrgb(eyeshadow.Color), eyeshadow.Opacity, gloss: 0f);
        }

        if (style.Blush is { } blush)
        {
            var weights = canvas.Cheeks(blush.Size);
            Blend(photo, canvas, weights, OkLab.FromSrgb(blush.Color), blush.Opacity, gloss: 0f);
        }

        if (style.Brows is { } brows)
        {
            Blend(photo, canvas, canvas.Brows(), OkLab.FromSrgb(brows.Color), brows.Opacity, gloss: 0f);
        }

        if (style.Eyeliner is { } eyeliner)
        {
            var weights = canvas.Eyeliner(eyeliner.Thickness, eyeliner.Wing);
            Blend(photo, canvas, weights, OkLab.FromSrgb(eyeliner.Color), eyeliner.Opacity, gloss: 0f);
        }

        if (style.Lipstick is { } lipstick)
        {
            Blend(photo, canvas, canvas.Lips(), OkLab.FromSrgb(lipstick.Color), lipstick.Opacity, lipstick.Gloss);
        }
    }

    /// <summary>
    /// Draws the cheek patches that blush of size 1 covers, as 8-bit weights (255 at the centres), merging by
    /// maximum into the mask.
    /// </summary>
    /// <param name="face">A face mesh in the mask's pixel coordinates.</param>
    /// <param name="mask">The mask, <paramref name="width"/> x <paramref name="height"/> bytes, row by row.</param>
    /// <param name="width">The mask's width in pixels.</param>
    /// <param name="height">The mask's height in pixels.</param>
    /// <param name="size">The blush size, as <see cref="BlushLayer.Size"/>; 1 by default.</param>
    /// <exception cref="ArgumentException">The mask's length is not width x height, or the mesh is incomplete.
    /// </exception>
    public static void DrawCheeks(FaceLandmarks face, Span<byte> mask, int width, int height, float size = 1f)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 0.5f);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 2f);
        if ((long)width * height != mask.Length)
        {
            throw new ArgumentException(
                $"The mask must hold width * height = {(long)width * height} bytes, but holds {mask.Length}.",
                nameof(mask));
        }

        var canvas = FaceCanvas.Create(face, width, height);
        if (canvas is null)
        {
            return;
        }

        var weights = canvas.Cheeks(size);
        for (var y = 0; y < canvas.Height; y++)
        {
            var row = mask.Slice(((canvas.Top + y) * width) + canvas.Left, canvas.Width);
            for (var x = 0; x < canvas.Width; x++)
            {
                var value = (byte)MathF.Round(weights[(y * canvas.Width) + x] * 255f);
                row[x] = Math.Max(row[x], value);
            }
        }
    }

    /// <summary>
    /// Blends one layer: colour axes towards the layer's, lightness shifted by the layer's lightness minus the
    /// region's weighted mean, highlights lifted by the gloss.
    /// </summary>
    private static void Blend(
        ImageView photo, FaceCanvas canvas, float[] weights, Vector3 color, float opacity, float gloss)
    {
        var (red, blue, pixelBytes) = ChannelOffsets(photo.Layout);

        double weightSum = 0;
        double lightnessSum = 0;
        for (var y = 0; y < canvas.Height; y++)
        {
            var row = photo.GetRow(canvas.Top + y);
            for (var x = 0; x < canvas.Width; x++)
            {
                var weight = weights[(y * canvas.Width) + x];
                if (weight > 0.01f)
                {
                    var at = (canvas.Left + x) * pixelBytes;
                    weightSum += weight;
                    lightnessSum += weight * OkLab.FromSrgb(row[at + red], row[at + 1], row[at + blue]).X;
                }
            }
        }

        if (weightSum < 1e-6)
        {
            return;
        }

        var meanLightness = (float)(lightnessSum / weightSum);
        for (var y = 0; y < canvas.Height; y++)
        {
            var row = photo.GetRow(canvas.Top + y);
            for (var x = 0; x < canvas.Width; x++)
            {
                var amount = weights[(y * canvas.Width) + x] * opacity;
                if (amount < 1f / 1024f)
                {
                    continue;
                }

                var at = (canvas.Left + x) * pixelBytes;
                var lab = OkLab.FromSrgb(row[at + red], row[at + 1], row[at + blue]);
                var highlight = gloss * amount * 1.5f * MathF.Max(0f, lab.X - meanLightness);
                var blended = new Vector3(
                    lab.X + (amount * (color.X - meanLightness)) + highlight,
                    lab.Y + (amount * (color.Y - lab.Y)),
                    lab.Z + (amount * (color.Z - lab.Z)));
                var (r, g, b) = OkLab.ToSrgb(blended);
                row[at + red] = r;
                row[at + 1] = g;
                row[at + blue] = b;
            }
        }
    }

    private static (int Red, int Blue, int PixelBytes) ChannelOffsets(PixelLayout layout) => layout switch
    {
        PixelLayout.Rgb24 => (0, 2, 3),
        PixelLayout.Bgr24 => (2, 0, 3),
        PixelLayout.Rgba32 => (0, 2, 4),
        _ => throw new ArgumentException($"The layout {layout} is not supported.", nameof(layout)),
    };
}
