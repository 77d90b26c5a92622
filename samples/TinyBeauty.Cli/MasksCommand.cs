using System.CommandLine;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Core;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Cli;

/// <summary><c>masks &lt;photo&gt; -o &lt;dir&gt;</c>: writes soft masks of the face regions of every face found.
/// </summary>
internal static class MasksCommand
{
    private static readonly (FaceRegion Region, string Name)[] s_regions =
    [
        (FaceRegion.Face, "face"),
        (FaceRegion.Lips, "lips"),
        (FaceRegion.Eyes, "eyes"),
        (FaceRegion.EyeRegion, "eye-region"),
        (FaceRegion.Brows, "brows"),
        (FaceRegion.Skin, "skin"),
    ];

    // The overlay tints, painted in this order so that the small features stay visible over the large ones.
    private static readonly (FaceRegion Region, Rgb24 Colour)[] s_tints =
    [
        (FaceRegion.Skin, new Rgb24(0, 200, 0)),
        (FaceRegion.EyeRegion, new Rgb24(200, 0, 200)),
        (FaceRegion.Brows, new Rgb24(255, 160, 0)),
        (FaceRegion.Eyes, new Rgb24(0, 120, 255)),
        (FaceRegion.Lips, new Rgb24(255, 0, 0)),
    ];

    public static Command Create()
    {
        var input = new Argument<string>("photo") { Description = "The photo to find faces in (PNG, JPEG, ...)." };
        var output = new Option<string>("--output", "-o")
        {
            Description = "The folder to write the masks into; created if missing.",
            Required = true,
        };
        var maxPixels = new Option<long>("--max-pixels")
        {
            Description = "Refuse photos with more pixels than this (checked before decoding).",
            DefaultValueFactory = _ => MakeupImage.DefaultMaxPixels,
        };

        var refineEyes = new Option<bool>("--refine-eyes")
        {
            Description = "Refine the eyelids with the iris model before drawing the eye masks.",
        };

        var command = new Command(
            "masks",
            "Write 8-bit masks of the face, lips, eyes, eye region, brows and skin of each face, and an overlay.")
        {
            input, output, maxPixels, refineEyes,
        };
        command.SetAction(result => CliRunner.Run(_ => Execute(
            result.GetRequiredValue(input),
            result.GetRequiredValue(output),
            result.GetValue(maxPixels),
            result.GetValue(refineEyes))));
        return command;
    }

    private static int Execute(string inputPath, string outputFolder, long maxPixels, bool refineEyes)
    {
        if (!File.Exists(inputPath))
        {
            throw new CliException($"input image '{inputPath}' does not exist");
        }

        using var photo = MakeupImage.Load(inputPath, maxPixels);
        var (width, height) = (photo.Width, photo.Height);
        if (FaceDetector.DescribeTooSmall(width, height, inputPath) is { } tooSmall)
        {
            throw new CliException(tooSmall);
        }

        var pixels = new byte[width * height * 3];
        photo.CopyPixelDataTo(pixels);

        IReadOnlyList<FaceLandmarks> faces;
        using (var mesh = new FaceMesh(refineEyes: refineEyes))
        {
            faces = mesh.Find(new ReadOnlyImageView(pixels, width, height, PixelLayout.Rgb24))
                .OrderByDescending(face => face.Detection.Score)
                .ToArray();
        }

        if (faces.Count == 0)
        {
            throw new CliException($"no face found in '{inputPath}'");
        }

        Directory.CreateDirectory(outputFolder);

        var union = s_tints.ToDictionary(tint => tint.Region, _ => new byte[width * height]);
        for (var n = 0; n < faces.Count; n++)
        {
            foreach (var (region, name) in s_regions)
            {
                var mask = new byte[width * height];
                FaceMasks.Draw(region, faces[n], mask, width, height);
                using var image = Image.LoadPixelData<L8>(mask, width, height);
                MakeupImage.Save(image, Path.Combine(outputFolder, $"face{n + 1}-{name}.png"));
                if (union.TryGetValue(region, out var all))
                {
                    MaxInto(all, mask);
                }
            }
        }

        foreach (var (region, colour) in s_tints)
        {
            Tint(pixels, union[region], colour);
        }

        using (var overlay = Image.LoadPixelData<Rgb24>(pixels, width, height))
        {
            MakeupImage.Save(overlay, Path.Combine(outputFolder, "overlay.png"));
        }

        Console.WriteLine(
            $"wrote {(faces.Count * s_regions.Length) + 1} files for {faces.Count} face(s) to {outputFolder}");
        return 0;
    }

    private static void MaxInto(byte[] target, byte[] source)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = Math.Max(target[i], source[i]);
        }
    }

    /// <summary>Blends the colour into the RGB pixels, at up to half strength where the mask is 255.</summary>
    private static void Tint(byte[] pixels, byte[] mask, Rgb24 colour)
    {
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0)
            {
                continue;
            }

            var alpha = mask[i] / 510f;
            var p = i * 3;
            pixels[p] = (byte)MathF.Round(pixels[p] + ((colour.R - pixels[p]) * alpha));
            pixels[p + 1] = (byte)MathF.Round(pixels[p + 1] + ((colour.G - pixels[p + 1]) * alpha));
            pixels[p + 2] = (byte)MathF.Round(pixels[p + 2] + ((colour.B - pixels[p + 2]) * alpha));
        }
    }
}
