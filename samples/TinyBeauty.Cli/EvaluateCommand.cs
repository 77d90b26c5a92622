using System.CommandLine;
using System.Globalization;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Core;
using TinyBeauty.Core.Metrics;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Pairs;
using TinyBeauty.Onnx.Styles;

namespace TinyBeauty.Cli;

/// <summary>
/// <c>evaluate --pairs &lt;dir&gt; [--style &lt;name&gt; | --model &lt;file&gt;]</c>: scores a style model on
/// before/after pairs, over the whole image and inside the makeup regions, next to doing nothing.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly string[] s_regions = ["lips", "eye-region", "cheeks"];

    public static Command Create()
    {
        var pairs = new Option<string>("--pairs")
        {
            Description = "A pair folder (before/, after/, masks/ with lips, eye-region and cheeks masks).",
            Required = true,
        };
        var model = new Option<string>("--model", "-m")
        {
            Description = "A style model file (.onnx, .pt, .safetensors).",
        };
        var style = new Option<string>("--style", "-s")
        {
            Description = $"An embedded style; used when no --model is given. Default: {DefaultStyles.DefaultName}.",
        };
        var styleFile = new Option<string>("--style-file")
        {
            Description = "The style file the pairs were rendered with; regions it has no layer for are marked.",
        };
        var report = new Option<string>("--report") { Description = "Also write the table as Markdown to this file." };
        var gallery = new Option<string>("--gallery")
        {
            Description = "Also write a picture of before, model and target for the first pairs to this PNG.",
        };
        var size = new Option<int>("--size")
        {
            Description = "The square side the model runs at (a multiple of 4; its residual is resized to the pair); "
                + "0 = the size the model was trained at (256 when it records none).",
            DefaultValueFactory = _ => MakeupSessionOptions.FromModel,
        };
        var galleryCount = new Option<int>("--gallery-count")
        {
            Description = "How many pairs the gallery shows.",
            DefaultValueFactory = _ => 5,
        };

        var command = new Command("evaluate", "Score a style model on pairs, next to doing nothing.")
        {
            pairs, model, style, styleFile, size, report, gallery, galleryCount,
        };
        command.SetAction(result => CliRunner.Run(cancellationToken => Execute(
            result.GetRequiredValue(pairs),
            result.GetValue(model),
            result.GetValue(style),
            result.GetValue(styleFile),
            result.GetValue(size),
            result.GetValue(report),
            result.GetValue(gallery),
            result.GetValue(galleryCount),
            cancellationToken)));
        return command;
    }

    private static int Execute(
        string pairsFolder,
        string? modelPath,
        string? styleName,
        string? styleFilePath,
        int inferenceSize,
        string? reportPath,
        string? galleryPath,
        int galleryCount,
        CancellationToken cancellationToken)
    {
        if (modelPath is not null && styleName is not null)
        {
            throw new CliException("give either --model or --style, not both");
        }

        var label = modelPath ?? styleName ?? DefaultStyles.DefaultName;
        var modelBytes = modelPath is null
            ? DefaultStyles.ReadModel(styleName ?? DefaultStyles.DefaultName)
            : ModelFiles.LoadAsOnnx(modelPath);
        var unpainted = styleFilePath is null ? [] : UnpaintedRegions(MakeupStyle.Load(styleFilePath));
        if (inferenceSize != MakeupSessionOptions.FromModel && (inferenceSize < 8 || inferenceSize % 4 != 0))
        {
            throw new CliException($"--size must be 0 or a multiple of 4 of at least 8; got {inferenceSize}");
        }

        using var session = MakeupSession.Load(modelBytes, new MakeupSessionOptions { InferenceSize = inferenceSize });
        var folder = PairFolder.Open(pairsFolder);

        var scores = new Dictionary<string, List<(double, double, double, double)>>();
        var rows = new List<Image<Rgb24>>();
        try
        {
            foreach (var entry in folder.Pairs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var pair = entry.Load();
                var made = pair.Before.Clone();
                session.Apply(made);
                using (made)
                {
                    Score(scores, "whole image", pair, made, mask: null);
                    foreach (var region in s_regions)
                    {
                        if (pair.Masks.TryGetValue(region, out var mask) && mask.Any(weight => weight > 0))
                        {
                            Score(scores, region, pair, made, mask);
                        }
                    }

                    if (galleryPath is not null && rows.Count < galleryCount)
                    {
                        rows.Add(Row(pair.Before, made, pair.After));
                    }
                }
            }

            var table = Table(
                $"{label} at {session.InferenceSize} x {session.InferenceSize}", folder.Pairs.Count, scores, unpainted);
            Console.Write(table);
            if (reportPath is not null)
            {
                var temporary = reportPath + ".tmp";
                File.WriteAllText(temporary, table);
                File.Move(temporary, reportPath, overwrite: true);
            }

            if (galleryPath is not null && rows.Count > 0)
            {
                using var picture = Stack(rows);
                MakeupImage.Save(picture, galleryPath);
            }
        }
        finally
        {
            rows.ForEach(row => row.Dispose());
        }

        return 0;
    }

    private static void Score(
        Dictionary<string, List<(double, double, double, double)>> scores,
        string region,
        LoadedPair pair,
        Image<Rgb24> made,
        byte[]? mask)
    {
        var target = Pixels(pair.After);
        var before = Pixels(pair.Before);
        var output = Pixels(made);
        ReadOnlyImageView View(byte[] pixels) => new(pixels, pair.Width, pair.Height, PixelLayout.Rgb24);

        var entry = mask is null
            ? (ImageQuality.PeakSignalToNoiseRatio(View(target), View(output)),
                ImageQuality.PeakSignalToNoiseRatio(View(target), View(before)),
                ImageQuality.StructuralSimilarity(View(target), View(output)),
                ImageQuality.StructuralSimilarity(View(target), View(before)))
            : (ImageQuality.PeakSignalToNoiseRatio(View(target), View(output), mask),
                ImageQuality.PeakSignalToNoiseRatio(View(target), View(before), mask),
                ImageQuality.StructuralSimilarity(View(target), View(output), mask),
                ImageQuality.StructuralSimilarity(View(target), View(before), mask));
        if (!scores.TryGetValue(region, out var list))
        {
            scores[region] = list = [];
        }

        list.Add(entry);
    }

    /// <summary>The regions a style has no layer for, each with the layers it lacks, as the table names them.</summary>
    private static Dictionary<string, string> UnpaintedRegions(MakeupStyle style)
    {
        var unpainted = new Dictionary<string, string>();
        if (style.Lipstick is null)
        {
            unpainted["lips"] = "no lipstick";
        }

        if (style.Eyeliner is null && style.Eyeshadow is null && style.Brows is null)
        {
            unpainted["eye-region"] = "no liner, shadow or brows";
        }

        if (style.Blush is null)
        {
            unpainted["cheeks"] = "no blush";
        }

        return unpainted;
    }

    private static string Table(
        string label,
        int pairCount,
        Dictionary<string, List<(double Mp, double Np, double Ms, double Ns)>> scores,
        Dictionary<string, string> unpainted)
    {
        static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

        var text = new StringBuilder();
        var pairs = pairCount == 1 ? "1 pair" : $"{pairCount} pairs";
        text.AppendLine(CultureInfo.InvariantCulture, $"{label} on {pairs} (means over pairs)");
        text.AppendLine();
        text.AppendLine("| region | PSNR model (dB) | PSNR nothing (dB) | gain (dB) | SSIM model | SSIM nothing |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var (region, all) in scores)
        {
            // A pair whose target equals its before image inside the region (the style does not paint there) has
            // no finite score for doing nothing; it says nothing about the model and is left out.
            var list = all.Where(s => double.IsFinite(s.Np)).ToList();
            if (list.Count == 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {region} | not painted by this style | | | | |");
                continue;
            }

            // A region the style has no layer for changes only where a neighbouring layer's soft edge reaches it.
            var name = unpainted.TryGetValue(region, out var why) ? $"{region} (not painted: {why})" : region;
            var model = list.Average(s => s.Mp);
            var none = list.Average(s => s.Np);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {F(model, "0.00")} | {F(none, "0.00")} | {F(model - none, "+0.00;-0.00")} | "
                + $"{F(list.Average(s => s.Ms), "0.0000")} | {F(list.Average(s => s.Ns), "0.0000")} |");
        }

        return text.ToString();
    }

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    private static Image<Rgb24> Row(params Image<Rgb24>[] images)
    {
        var row = new Image<Rgb24>(images.Sum(image => image.Width), images.Max(image => image.Height));
        var x = 0;
        foreach (var image in images)
        {
            var at = x;
            row.Mutate(context => context.DrawImage(image, new Point(at, 0), 1f));
            x += image.Width;
        }

        return row;
    }

    private static Image<Rgb24> Stack(List<Image<Rgb24>> rows)
    {
        var picture = new Image<Rgb24>(rows.Max(row => row.Width), rows.Sum(row => row.Height));
        var y = 0;
        foreach (var row in rows)
        {
            var at = y;
            picture.Mutate(context => context.DrawImage(row, new Point(0, at), 1f));
            y += row.Height;
        }

        return picture;
    }
}
