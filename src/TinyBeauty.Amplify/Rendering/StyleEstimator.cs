using System.Numerics;
using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>
/// Estimates a <see cref="MakeupStyle"/> from one photo of a made-up face, by measuring the colour of its lips,
/// lids and cheeks against its bare skin.
/// </summary>
/// <remarks>
/// <para>
/// Colours are averaged in OKLab over each region's mask. Skin is the face's skin mask minus the cheek patches.
/// A layer's colour is the one that, painted at the layer's assumed opacity over the skin, gives the measured
/// colour: lips at 0.8, lids at 0.5 (measured where the renderer's shadow of spread 0.5 is
/// strongest), cheeks at 0.35. A layer whose region differs from skin by less than a
/// just-noticeable amount (OKLab distance 0.02; lips 0.04, as bare lips already differ from skin) is left out. The
/// eyeliner is taken as present when the band just above the lash line is clearly darker than the lid.
/// </para>
/// <para>
/// It is a measurement, not a model: shapes (liner wing, shadow spread, blush size) keep their defaults, shimmer
/// and highlights are averaged into the colour, and strong coloured lighting shifts every colour alike.
/// </para>
/// </remarks>
public static class StyleEstimator
{
    private const float LipOpacity = 0.8f;
    private const float LidOpacity = 0.5f;
    private const float CheekOpacity = 0.35f;

    /// <summary>Estimates the style of a made-up face.</summary>
    /// <param name="photo">The photo, in any supported layout.</param>
    /// <param name="face">The face's mesh in the photo's pixel coordinates.</param>
    /// <param name="name">The new style's name.</param>
    /// <returns>The estimated style, with a description of what was measured.</returns>
    /// <exception cref="ArgumentException">The mesh is incomplete, or the face has too little visible skin.
    /// </exception>
    public static MakeupStyle Estimate(ReadOnlyImageView photo, FaceLandmarks face, string name = "estimated")
    {
        ArgumentNullException.ThrowIfNull(face);
        var width = photo.Width;
        var height = photo.Height;

        var cheeks = Draw(width, height, mask => MakeupRenderer.DrawCheeks(face, mask, width, height));
        var skin = Draw(width, height, mask => FaceMasks.DrawSkin(face, mask, width, height));
        var lips = Draw(width, height, mask => FaceMasks.DrawLips(face, mask, width, height));
        var region = Draw(width, height, mask => FaceMasks.DrawEyeRegion(face, mask, width, height));
        var lids = CanvasWeights(face, width, height, canvas => canvas.Eyeshadow(0.5f));

        var bareSkin = new float[skin.Length];
        for (var i = 0; i < skin.Length; i++)
        {
            bareSkin[i] = skin[i] * (1f - cheeks[i]) * (1f - region[i]);
        }

        var skinColor = Mean(photo, bareSkin)
            ?? throw new ArgumentException("The face shows too little bare skin to measure colours against.",
                nameof(face));
        var lipColor = Mean(photo, lips);
        var lidColor = Mean(photo, lids);
        var cheekColor = Mean(photo, cheeks.Select((w, i) => w * skin[i]).ToArray());

        var measured = new List<string>();
        LipstickLayer? lipstick = null;
        if (lipColor is { } lip && Vector3.Distance(lip, skinColor) > 0.04f)
        {
            lipstick = new LipstickLayer { Color = Unmix(lip, skinColor, LipOpacity), Opacity = LipOpacity };
            measured.Add($"lips {lipstick.Color}");
        }

        EyeshadowLayer? eyeshadow = null;
        if (lidColor is { } lid && Vector3.Distance(lid, skinColor) > 0.02f)
        {
            eyeshadow = new EyeshadowLayer { Color = Unmix(lid, skinColor, LidOpacity), Opacity = LidOpacity };
            measured.Add($"lids {eyeshadow.Color}");
        }

        BlushLayer? blush = null;
        if (cheekColor is { } cheek && Vector3.Distance(cheek, skinColor) > 0.02f)
        {
            blush = new BlushLayer { Color = Unmix(cheek, skinColor, CheekOpacity), Opacity = CheekOpacity };
            measured.Add($"cheeks {blush.Color}");
        }

        EyelinerLayer? eyeliner = null;
        var linerBand = CanvasWeights(face, width, height, canvas => canvas.Eyeliner(0.06f, 0f));
        if (Mean(photo, linerBand) is { } band && lidColor is { } lidTone && lidTone.X - band.X > 0.08f)
        {
            eyeliner = new EyelinerLayer { Color = OkLab.ToColor(band with { X = band.X * 0.6f }) };
            measured.Add("eyeliner");
        }

        return new MakeupStyle
        {
            Name = name,
            Description = measured.Count == 0
                ? "Estimated from a photo: no makeup measured"
                : "Estimated from a photo: " + string.Join(", ", measured),
            Lipstick = lipstick,
            Eyeliner = eyeliner,
            Eyeshadow = eyeshadow,
            Blush = blush,
        };
    }

    /// <summary>The colour that, painted at the opacity over the base, gives the measured one (clamped).</summary>
    private static MakeupColor Unmix(Vector3 measured, Vector3 baseColor, float opacity) =>
        OkLab.ToColor(baseColor + ((measured - baseColor) / opacity));

    private static Vector3? Mean(ReadOnlyImageView photo, float[] weights)
    {
        var (red, blue, pixelBytes) = photo.Layout switch
        {
            PixelLayout.Bgr24 => (2, 0, 3),
            PixelLayout.Rgba32 => (0, 2, 4),
            _ => (0, 2, 3),
        };

        var sum = Vector3.Zero;
        var total = 0f;
        for (var y = 0; y < photo.Height; y++)
        {
            var row = photo.GetRow(y);
            for (var x = 0; x < photo.Width; x++)
            {
                var weight = weights[(y * photo.Width) + x];
                if (weight > 0.5f)
                {
                    var at = x * pixelBytes;
                    sum += weight * OkLab.FromSrgb(row[at + red], row[at + 1], row[at + blue]);
                    total += weight;
                }
            }
        }

        return total < 4f ? null : sum / total;
    }

    private delegate void MaskDrawer(Span<byte> mask);

    private static float[] Draw(int width, int height, MaskDrawer draw)
    {
        var mask = new byte[width * height];
        draw(mask);
        return mask.Select(value => value / 255f).ToArray();
    }

    /// <summary>Builds weights with one of the renderer's layer shapes, over the whole photo.</summary>
    private static float[] CanvasWeights(FaceLandmarks face, int width, int height, Func<FaceCanvas, float[]> build)
    {
        var weights = new float[width * height];
        var canvas = FaceCanvas.Create(face, width, height);
        if (canvas is null)
        {
            return weights;
        }

        var local = build(canvas);
        for (var y = 0; y < canvas.Height; y++)
        {
            local.AsSpan(y * canvas.Width, canvas.Width)
                .CopyTo(weights.AsSpan(((canvas.Top + y) * width) + canvas.Left));
        }

        return weights;
    }
}
