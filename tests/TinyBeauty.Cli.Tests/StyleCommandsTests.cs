using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Testing;
using static TinyBeauty.Cli.Tests.CliProcess;

namespace TinyBeauty.Cli.Tests;

/// <summary>Runs <c>styles</c>, <c>apply</c> with embedded styles, <c>amplify</c> and <c>evaluate</c>.</summary>
public sealed class StyleCommandsTests : IDisposable
{
    private static readonly string s_astronaut =
        Path.Combine(RepositoryData.Root, "data", "faces", "held-out", "astronaut.png");

    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-style-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Apply_PerFaceOnAGroupPhoto_MakesUpEveryFaceAndLeavesTheBackgroundAlone()
    {
        var photo = Path.Combine(RepositoryData.Root, "data", "faces", "held-out", "face-api-sample6.jpg");
        var output = Path.Combine(_folder, "group.png");

        var result = Run("apply", photo, "-o", output, "--style", "classic-red", "--per-face");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("4 faces", result.Output, StringComparison.Ordinal);
        using var before = Image.Load<Rgb24>(photo);
        using var after = Image.Load<Rgb24>(output);
        var pixels = new byte[before.Width * before.Height * 3];
        before.CopyPixelDataTo(pixels);
        using var mesh = new TinyBeauty.Onnx.Faces.FaceMesh();
        var faces = mesh.Find(new TinyBeauty.Core.ReadOnlyImageView(
            pixels, before.Width, before.Height, TinyBeauty.Core.PixelLayout.Rgb24));
        Assert.Equal(4, faces.Count);
        foreach (var face in faces)
        {
            // The red lipstick must show on every face's mouth, between the mouth corners.
            var (left, right) = (face.Points[61], face.Points[291]);
            var (x0, x1) = ((int)MathF.Min(left.X, right.X), (int)MathF.Max(left.X, right.X));
            var y = (int)((left.Y + right.Y) / 2);
            var redder = 0;
            for (var x = x0; x <= x1; x++)
            {
                redder += after[x, y].R - after[x, y].G > before[x, y].R - before[x, y].G ? 1 : 0;
            }

            Assert.True(redder > (x1 - x0) / 2, $"mouth at ({x0}-{x1}, {y}): only {redder} pixels redder");
        }

        Assert.Equal(before[2, 2], after[2, 2]);
        Assert.Equal(before[before.Width - 3, before.Height - 3], after[after.Width - 3, after.Height - 3]);
    }

    [Fact]
    public void Styles_ListsEachStyleFileAsNameTabDescription()
    {
        var result = Run("styles");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var files = Directory.GetFiles(Path.Combine(RepositoryData.Root, "styles"), "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.True(files.Length >= 3);
        Assert.Equal(files, lines.Select(line => line.Split('\t')[0]));
        Assert.All(lines, line => Assert.True(line.Split('\t') is [_, { Length: > 10 }], line));
    }

    [Fact]
    public void Apply_WithoutModel_UsesTheDefaultStyleAndChangesThePhoto()
    {
        var output = Path.Combine(_folder, "made-up.png");

        var result = Run("apply", s_astronaut, "-o", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        using var before = Image.Load<Rgb24>(s_astronaut);
        using var after = Image.Load<Rgb24>(output);
        Assert.Equal((before.Width, before.Height), (after.Width, after.Height));
        Assert.True(CountChanged(before, after) > 1000);
    }

    [Fact]
    public void Apply_Styles_GiveDifferentPhotos()
    {
        var outputs = new[] { "classic-red", "smoky" }.Select(style =>
        {
            var output = Path.Combine(_folder, style + ".png");
            Assert.Equal(0, Run("apply", s_astronaut, "-o", output, "--style", style).ExitCode);
            return output;
        }).ToArray();

        using var red = Image.Load<Rgb24>(outputs[0]);
        using var smoky = Image.Load<Rgb24>(outputs[1]);
        Assert.True(CountChanged(red, smoky) > 1000);
    }

    [Fact]
    public void Apply_UnknownStyle_PrintsTheNamesAndWritesNothing()
    {
        var output = Path.Combine(_folder, "out.png");

        var result = Run("apply", s_astronaut, "-o", output, "--style", "purple-rain");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: There is no style 'purple-rain'", result.Error, StringComparison.Ordinal);
        Assert.Contains("natural", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void AmplifyRender_ThenEvaluate_WritesPairsAndATable()
    {
        var (faces, pairs) = AstronautFolders();
        var style = Path.Combine(RepositoryData.Root, "styles", "classic-red.json");

        var render = Run("amplify", "render", "--style", style, "--faces", faces, "-o", pairs, "--count", "2");
        var evaluate = Run("evaluate", "--pairs", pairs, "--style", "classic-red", "--gallery",
            Path.Combine(_folder, "gallery.png"));

        Assert.Equal(0, render.ExitCode);
        Assert.Contains("2 pairs written", render.Output, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(pairs, "after")).Length);
        Assert.Equal(0, evaluate.ExitCode);
        Assert.Contains("| lips |", evaluate.Output, StringComparison.Ordinal);
        Assert.Contains("| whole image |", evaluate.Output, StringComparison.Ordinal);
        var gallery = Image.Identify(Path.Combine(_folder, "gallery.png"));
        Assert.Equal((3 * 256, 2 * 256), (gallery.Width, gallery.Height));
    }

    [Fact]
    public void Evaluate_StyleFile_MarksTheRegionsTheStyleDoesNotPaint()
    {
        var (faces, pairs) = AstronautFolders();
        var style = Path.Combine(RepositoryData.Root, "styles", "smoky.json");
        Assert.Equal(0, Run("amplify", "render", "--style", style, "--faces", faces, "-o", pairs).ExitCode);

        var marked = Run("evaluate", "--pairs", pairs, "--style", "smoky", "--style-file", style);
        var plain = Run("evaluate", "--pairs", pairs, "--style", "smoky");

        Assert.True(marked.ExitCode == 0, marked.Error);
        Assert.Contains("| cheeks (not painted: no blush) |", marked.Output, StringComparison.Ordinal);
        Assert.Contains("| lips |", marked.Output, StringComparison.Ordinal);
        Assert.Contains("| eye-region |", marked.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not painted", plain.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_Size_RunsTheModelAtThatSideAndRefusesABadOne()
    {
        var (faces, pairs) = AstronautFolders();
        var style = Path.Combine(RepositoryData.Root, "styles", "classic-red.json");
        Assert.Equal(0, Run("amplify", "render", "--style", style, "--faces", faces, "-o", pairs).ExitCode);

        var own = Run("evaluate", "--pairs", pairs, "--style", "classic-red");
        var chosen = Run("evaluate", "--pairs", pairs, "--style", "classic-red", "--size", "256");
        var bad = Run("evaluate", "--pairs", pairs, "--style", "classic-red", "--size", "6");

        Assert.True(own.ExitCode == 0, own.Error);
        Assert.True(chosen.ExitCode == 0, chosen.Error);
        Assert.Contains("classic-red at 128 x 128 on 1 pair ", own.Output, StringComparison.Ordinal);
        Assert.Contains("classic-red at 256 x 256 on 1 pair ", chosen.Output, StringComparison.Ordinal);
        Assert.NotEqual(ModelRow(own.Output), ModelRow(chosen.Output));
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("error: --size must be 0 or a multiple of 4", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AmplifyRender_BadStyleFile_PrintsOneLineNamingTheFile()
    {
        var style = Path.Combine(_folder, "bad.json");
        File.WriteAllText(style, """{ "name": "bad", "lipstick": { "colour": "#FF0000" } }""");

        var result = Run("amplify", "render", "--style", style, "--faces", _folder, "-o", Path.Combine(_folder, "p"));

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(style, result.Error, StringComparison.Ordinal);
        Assert.Contains("colour", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "p")));
    }

    [Fact]
    public void AmplifyEstimate_RenderedPhoto_WritesAStyleWithLipstick()
    {
        var (faces, pairs) = AstronautFolders();
        var red = Path.Combine(RepositoryData.Root, "styles", "classic-red.json");
        Assert.Equal(0, Run("amplify", "render", "--style", red, "--faces", faces, "-o", pairs).ExitCode);
        var estimated = Path.Combine(_folder, "estimated.json");

        var result = Run("amplify", "estimate", Path.Combine(pairs, "after", "astronaut-f0-000.png"),
            "-o", estimated, "--name", "copy");

        Assert.Equal(0, result.ExitCode);
        var text = File.ReadAllText(estimated);
        Assert.Contains("\"name\": \"copy\"", text, StringComparison.Ordinal);
        Assert.Contains("\"lipstick\"", text, StringComparison.Ordinal);
    }

    private static int CountChanged(Image<Rgb24> a, Image<Rgb24> b)
    {
        var changed = 0;
        for (var y = 0; y < a.Height; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                if (!a[x, y].Equals(b[x, y]))
                {
                    changed++;
                }
            }
        }

        return changed;
    }

    /// <summary>A faces folder holding the astronaut, and the path of a pair folder beside it.</summary>
    private (string Faces, string Pairs) AstronautFolders()
    {
        var faces = Path.Combine(_folder, "faces");
        Directory.CreateDirectory(faces);
        File.Copy(s_astronaut, Path.Combine(faces, "astronaut.png"));
        return (faces, Path.Combine(_folder, "pairs"));
    }

    /// <summary>The table's whole-image row, whose first figure is the model's PSNR.</summary>
    private static string ModelRow(string table) =>
        table.Split('\n').Single(line => line.StartsWith("| whole image |", StringComparison.Ordinal));
}
