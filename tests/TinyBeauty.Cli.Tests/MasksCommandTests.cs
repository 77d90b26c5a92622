using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Testing;
using static TinyBeauty.Cli.Tests.CliProcess;

namespace TinyBeauty.Cli.Tests;

/// <summary>Runs <c>tinybeauty masks</c> as a separate process.</summary>
public sealed class MasksCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-masks-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [ReferenceFact("data/faces/astronaut.png")]
    public void Masks_Astronaut_WritesSixMasksAndAnOverlayAtThePhotosSize()
    {
        var photo = ReferenceData.Path("data/faces/astronaut.png");
        var output = Path.Combine(_folder, "out", "masks");

        var result = Run("masks", photo, "-o", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        string[] expected =
        [
            "face1-brows.png", "face1-eye-region.png", "face1-eyes.png", "face1-face.png", "face1-lips.png",
            "face1-skin.png", "overlay.png",
        ];
        var written = Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, written);

        var source = Image.Identify(photo);
        foreach (var name in expected)
        {
            var info = Image.Identify(Path.Combine(output, name));
            Assert.Equal((source.Width, source.Height), (info.Width, info.Height));
            var bits = name == "overlay.png" ? 24 : 8;
            Assert.Equal(bits, info.PixelType.BitsPerPixel);
        }

        using var lips = Image.Load<L8>(Path.Combine(output, "face1-lips.png"));
        var strong = 0;
        lips.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                strong += rows.GetRowSpan(y).ToArray().Count(pixel => pixel.PackedValue > 200);
            }
        });
        Assert.True(strong > 50, $"only {strong} strong lip pixels");
    }

    [Fact]
    public void Masks_RefineEyes_MovesTheEyeMaskOnly()
    {
        var photo = Path.Combine(RepositoryData.Root, "data", "faces", "held-out", "astronaut.png");
        var plain = Path.Combine(_folder, "plain");
        var refined = Path.Combine(_folder, "refined");

        var plainResult = Run("masks", photo, "-o", plain);
        var refinedResult = Run("masks", photo, "-o", refined, "--refine-eyes");

        Assert.Equal((0, ""), (plainResult.ExitCode, plainResult.Error));
        Assert.Equal((0, ""), (refinedResult.ExitCode, refinedResult.Error));
        Assert.NotEqual(
            File.ReadAllBytes(Path.Combine(plain, "face1-eyes.png")),
            File.ReadAllBytes(Path.Combine(refined, "face1-eyes.png")));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(plain, "face1-lips.png")),
            File.ReadAllBytes(Path.Combine(refined, "face1-lips.png")));
    }

    [Fact]
    public void Masks_BlankPhoto_PrintsOneLineAndWritesNothing()
    {
        var photo = Path.Combine(_folder, "blank.png");
        using (var image = new Image<Rgb24>(128, 96, new Rgb24(200, 200, 200)))
        {
            image.Save(photo);
        }

        var output = Path.Combine(_folder, "out");

        var result = Run("masks", photo, "-o", output);

        Assert.Equal(1, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"error: no face found in '{photo}'", Assert.Single(lines).TrimEnd('\r'));
        Assert.False(Directory.Exists(output));
        Assert.Equal([photo], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void Masks_PhotoTooSmallForAFace_SaysItsSizeAndTheMinimum()
    {
        var photo = Path.Combine(_folder, "tiny.png");
        using (var image = new Image<Rgb24>(16, 16, new Rgb24(200, 150, 120)))
        {
            image.Save(photo);
        }

        var result = Run("masks", photo, "-o", Path.Combine(_folder, "out"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r');
        Assert.Equal(
            $"error: The photo '{photo}' is 16 x 16 pixels, too small to hold a detectable face: "
            + "its shorter side needs at least 32 pixels.",
            line);
    }

    [Fact]
    public void Masks_MissingPhoto_PrintsOneLine()
    {
        var result = Run("masks", Path.Combine(_folder, "none.png"), "-o", Path.Combine(_folder, "out"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }
}
