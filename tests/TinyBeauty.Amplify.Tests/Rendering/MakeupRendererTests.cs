using System.Numerics;
using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Tests.Rendering;

public sealed class MakeupRendererTests
{
    private static readonly MakeupColor s_red = MakeupColor.Parse("#B3142A");

    [Fact]
    public void Render_Lipstick_MovesLipColourTowardsTheLipstick()
    {
        var lips = TestFaces.Mask((face, mask, w, h) => FaceMasks.DrawLips(face, mask, w, h));
        var target = OkLab.FromSrgb(s_red);

        var made = TestFaces.Render(new MakeupStyle { Lipstick = new LipstickLayer { Color = s_red, Opacity = 0.9f } });

        var before = TestFaces.MeanLab(TestFaces.Astronaut.Pixels, lips);
        var after = TestFaces.MeanLab(made, lips);
        var chromaBefore = Vector2.Distance(new Vector2(before.Y, before.Z), new Vector2(target.Y, target.Z));
        var chromaAfter = Vector2.Distance(new Vector2(after.Y, after.Z), new Vector2(target.Y, target.Z));
        Assert.True(chromaAfter < 0.25f * chromaBefore, $"chroma distance {chromaBefore} -> {chromaAfter}");
    }

    [Fact]
    public void Render_Lipstick_LeavesPixelsFarFromTheLipsUnchanged()
    {
        var (pixels, width, height, _) = TestFaces.Astronaut;
        var lips = TestFaces.Mask((face, mask, w, h) => FaceMasks.DrawLips(face, mask, w, h, blurRadius: 4));

        var made = TestFaces.Render(new MakeupStyle { Lipstick = new LipstickLayer { Color = s_red } });

        var changedInside = 0;
        for (var i = 0; i < width * height; i++)
        {
            var changed = made.AsSpan(3 * i, 3).SequenceEqual(pixels.AsSpan(3 * i, 3)) is false;
            if (lips[i] == 0)
            {
                Assert.False(changed, $"pixel ({i % width}, {i / width}) outside the lips changed");
            }
            else if (changed)
            {
                changedInside++;
            }
        }

        Assert.True(changedInside > 100, $"only {changedInside} lip pixels changed");
        Assert.Equal(height, TestFaces.Astronaut.Height);
    }

    [Fact]
    public void Render_Lipstick_KeepsTheLipsTexture()
    {
        var lips = TestFaces.Mask((face, mask, w, h) => FaceMasks.DrawLips(face, mask, w, h));

        var made = TestFaces.Render(new MakeupStyle { Lipstick = new LipstickLayer { Color = s_red, Opacity = 1f } });

        var spreadBefore = LightnessSpread(TestFaces.Astronaut.Pixels, lips);
        var spreadAfter = LightnessSpread(made, lips);
        Assert.True(spreadAfter > 0.6 * spreadBefore, $"lightness spread {spreadBefore} -> {spreadAfter}");
    }

    [Fact]
    public void Render_ZeroOpacity_ChangesNothing()
    {
        var style = new MakeupStyle
        {
            Lipstick = new LipstickLayer { Opacity = 0f },
            Eyeliner = new EyelinerLayer { Opacity = 0f },
            Eyeshadow = new EyeshadowLayer { Opacity = 0f },
            Blush = new BlushLayer { Opacity = 0f },
            Brows = new BrowLayer { Opacity = 0f },
        };

        Assert.Equal(TestFaces.Astronaut.Pixels, TestFaces.Render(style));
    }

    [Fact]
    public void Render_EyelinerAndShadow_DarkenTheLidsButNotTheEyes()
    {
        var eyes = TestFaces.Mask((face, mask, w, h) => FaceMasks.DrawEyes(face, mask, w, h, blurRadius: 0));
        var region = TestFaces.Mask((face, mask, w, h) => FaceMasks.DrawEyeRegion(face, mask, w, h));
        var lids = region.Select((value, i) => eyes[i] > 0 ? (byte)0 : value).ToArray();
        var style = new MakeupStyle
        {
            Eyeliner = new EyelinerLayer(),
            Eyeshadow = new EyeshadowLayer { Color = MakeupColor.Parse("#2A2428"), Opacity = 0.8f },
        };

        var made = TestFaces.Render(style);

        var lidsBefore = TestFaces.MeanLab(TestFaces.Astronaut.Pixels, lids);
        var lidsAfter = TestFaces.MeanLab(made, lids);
        Assert.True(lidsAfter.X < lidsBefore.X - 0.03f, $"lid lightness {lidsBefore.X} -> {lidsAfter.X}");
        var eyesBefore = TestFaces.MeanLab(TestFaces.Astronaut.Pixels, eyes, threshold: 255);
        var eyesAfter = TestFaces.MeanLab(made, eyes, threshold: 255);
        Assert.True(MathF.Abs(eyesAfter.X - eyesBefore.X) < 0.01f, $"eye lightness {eyesBefore.X} -> {eyesAfter.X}");
    }

    [Fact]
    public void Render_Blush_ReddensTheCheeks()
    {
        var cheeks = TestFaces.Mask((face, mask, w, h) => MakeupRenderer.DrawCheeks(face, mask, w, h));

        var made = TestFaces.Render(new MakeupStyle { Blush = new BlushLayer { Opacity = 0.6f } });

        var before = TestFaces.MeanLab(TestFaces.Astronaut.Pixels, cheeks);
        var after = TestFaces.MeanLab(made, cheeks);
        Assert.True(after.Y > before.Y + 0.01f, $"red-green axis {before.Y} -> {after.Y}");
    }

    [Fact]
    public void Render_Layouts_GiveTheSamePixels()
    {
        var (pixels, width, height, face) = TestFaces.Astronaut;
        var style = new MakeupStyle { Lipstick = new LipstickLayer(), Eyeliner = new EyelinerLayer() };
        var rgb = TestFaces.Render(style);

        var bgr = new byte[pixels.Length];
        for (var i = 0; i < pixels.Length; i += 3)
        {
            (bgr[i], bgr[i + 1], bgr[i + 2]) = (pixels[i + 2], pixels[i + 1], pixels[i]);
        }

        MakeupRenderer.Render(new ImageView(bgr, width, height, PixelLayout.Bgr24), face, style);

        for (var i = 0; i < pixels.Length; i += 3)
        {
            Assert.Equal(rgb[i], bgr[i + 2]);
            Assert.Equal(rgb[i + 2], bgr[i]);
        }
    }

    [Fact]
    public void Render_InvalidStyle_ThrowsNamingTheField()
    {
        var (pixels, width, height, face) = TestFaces.Astronaut;
        var copy = (byte[])pixels.Clone();
        var style = new MakeupStyle { Lipstick = new LipstickLayer { Opacity = 2f } };

        var exception = Assert.Throws<ArgumentException>(
            () => MakeupRenderer.Render(new ImageView(copy, width, height, PixelLayout.Rgb24), face, style));

        Assert.Contains("lipstick.opacity", exception.Message, StringComparison.Ordinal);
        Assert.Equal(pixels, copy);
    }

    private static double LightnessSpread(byte[] pixels, byte[] mask)
    {
        var values = new List<double>();
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] >= 200)
            {
                values.Add(OkLab.FromSrgb(pixels[3 * i], pixels[(3 * i) + 1], pixels[(3 * i) + 2]).X);
            }
        }

        var mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }
}
