using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Amplify.Diffusion.Pipeline;
using TinyBeauty.Testing;
using static TinyBeauty.Cli.Tests.CliProcess;

namespace TinyBeauty.Cli.Tests;

/// <summary>Runs <c>tinybeauty amplify describe / finetune / generate</c> as a separate process.</summary>
public sealed class AmplifyDiffusionCommandsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-amplify-diffusion-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Describe_Sd15UNet_ListsEveryParameterOfTheRealUNet()
    {
        var result = Run("amplify", "describe", "--config", "sd15", "--component", "unet");

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = Lines(result.Output);
        Assert.Equal(686, lines.Length);
        Assert.Equal("conv_in.weight\t320,4,3,3", lines[0]);
        var total = lines.Sum(line => line.Split('\t')[1].Split(',')
            .Aggregate(1L, (product, dimension) => product * long.Parse(dimension, CultureInfo.InvariantCulture)));
        Assert.Equal(859_520_964L, total);
    }

    [Fact]
    public void Describe_Sd15Lora_ListsRankFourProcessorWeights()
    {
        var result = Run("amplify", "describe", "--config", "sd15", "--component", "lora");

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = Lines(result.Output);
        Assert.Equal(256, lines.Length);
        Assert.Contains(
            "down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_k_lora.down.weight\t4,320",
            lines);
        Assert.Contains(
            "mid_block.attentions.0.transformer_blocks.0.attn2.processor.to_v_lora.down.weight\t4,768",
            lines);
        Assert.All(lines, line => Assert.Matches(@"\.processor\.to_(q|k|v|out)_lora\.(down|up)\.weight\t", line));
    }

    [Fact]
    public void Finetune_MissingBaseFolder_PrintsOneErrorLine()
    {
        var missing = Path.Combine(_folder, "no-such-model");

        var result = Run("amplify", "finetune", "--base", missing, "--seeds", _folder, "-o",
            Path.Combine(_folder, "lora.safetensors"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(Lines(result.Error));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(missing, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Finetune_TinyConfig_WritesTheLoraAndReportsProgress()
    {
        var model = WriteTinyModel();
        var seeds = WriteSeeds(count: 2);
        var output = Path.Combine(_folder, "lora.safetensors");

        var result = Run("amplify", "finetune", "--base", model, "--seeds", seeds, "-o", output, "--config", "tiny",
            "--size", "32", "--epochs", "2", "--seed", "4");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("[####################] step 4/4 loss", result.Error, StringComparison.Ordinal);
        Assert.Contains(" eta 0:00", result.Error, StringComparison.Ordinal);
        Assert.Contains("LoRA written", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(output));
        Assert.True(File.Exists(output + ".state.safetensors"));
    }

    [Fact]
    public void Generate_TinyConfigAfterFinetune_WritesAPairForTheAstronaut()
    {
        var model = WriteTinyModel();
        var lora = Path.Combine(_folder, "lora.safetensors");
        var finetune = Run("amplify", "finetune", "--base", model, "--seeds", WriteSeeds(count: 1), "-o", lora,
            "--config", "tiny", "--size", "32", "--epochs", "1");
        var faces = Path.Combine(_folder, "faces");
        Directory.CreateDirectory(faces);
        File.Copy(
            Path.Combine(RepositoryData.Root, "data", "faces", "held-out", "astronaut.png"),
            Path.Combine(faces, "astronaut.png"));
        var style = Path.Combine(_folder, "seeds", "after", "face0.png");
        var pairs = Path.Combine(_folder, "pairs");

        var result = Run("amplify", "generate", "--base", model, "--lora", lora, "--style", style, "--faces", faces,
            "-o", pairs, "--config", "tiny", "--size", "32", "--steps", "4", "--seed", "2");
        var twoStyles = Run("amplify", "generate", "--base", model, "--lora", lora, "--style", "lips=" + style,
            "--style", "eye-region+brows=" + Path.Combine(_folder, "seeds", "before", "face0.png"), "--faces", faces,
            "-o", Path.Combine(_folder, "two-styles"), "--config", "tiny", "--size", "32", "--steps", "4",
            "--synthesis", "released");

        Assert.True(finetune.ExitCode == 0, finetune.Error);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("1 pairs written", result.Output, StringComparison.Ordinal);
        Assert.Contains(
            "[####################] photo 1/1 astronaut.png pairs 1 new 0 kept eta 0:00",
            result.Error,
            StringComparison.Ordinal);
        Assert.True(twoStyles.ExitCode == 0, twoStyles.Error);
        Assert.Contains("1 pairs written", twoStyles.Output, StringComparison.Ordinal);
        var info = Image.Identify(Path.Combine(pairs, "after", "astronaut-f0.png"));
        Assert.Equal((32, 32), (info.Width, info.Height));
        Assert.True(File.Exists(Path.Combine(pairs, "masks", "astronaut-f0-lips.png")));
    }

    [Fact]
    public void Generate_MissingLoraFile_PrintsOneErrorLine()
    {
        var model = WriteTinyModel();
        var style = Path.Combine(WriteSeeds(count: 1), "after", "face0.png");
        var missing = Path.Combine(_folder, "missing.safetensors");

        var result = Run("amplify", "generate", "--base", model, "--lora", missing, "--style", style, "--faces",
            _folder, "-o", Path.Combine(_folder, "pairs"), "--config", "tiny", "--size", "32");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(Lines(result.Error));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("missing.safetensors", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_RegionStyleFileMissing_PrintsOneErrorLineNamingTheFile()
    {
        var model = WriteTinyModel();

        var result = Run("amplify", "generate", "--base", model, "--lora", Path.Combine(_folder, "lora.safetensors"),
            "--style", "lips=" + Path.Combine(_folder, "red.png"), "--faces", _folder, "-o",
            Path.Combine(_folder, "pairs"), "--config", "tiny", "--size", "32");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(Lines(result.Error));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("red.png", line, StringComparison.Ordinal);
        Assert.DoesNotContain("lips=", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Finetune_HalfPrecisionUNetWithRequireFp32_PrintsOneErrorLineNamingTheDtype()
    {
        var model = WriteTinyModel();
        using (var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 1))
        {
            DiffusionWeights.Save(
                models.UNet,
                Path.Combine(model, "unet", "diffusion_pytorch_model.safetensors"),
                TorchSharp.torch.ScalarType.Float16);
        }

        var output = Path.Combine(_folder, "lora.safetensors");

        var result = Run("amplify", "finetune", "--base", model, "--seeds", WriteSeeds(count: 1), "-o", output,
            "--config", "tiny", "--size", "32", "--epochs", "1", "--require-fp32");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(Lines(result.Error));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("F16", line, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string WriteTinyModel()
    {
        var model = Path.Combine(_folder, "model");
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 1);
        models.Save(model);
        return model;
    }

    private string WriteSeeds(int count)
    {
        var root = Path.Combine(_folder, "seeds");
        foreach (var sub in new[] { "before", "after", "masks" })
        {
            Directory.CreateDirectory(Path.Combine(root, sub));
        }

        for (var index = 0; index < count; index++)
        {
            using var before = new Image<Rgb24>(32, 32, new Rgb24((byte)(150 + (index * 20)), 120, 100));
            using var after = before.Clone();
            var mask = new byte[32 * 32];
            for (var y = 20; y < 26; y++)
            {
                for (var x = 10; x < 22; x++)
                {
                    after[x, y] = new Rgb24(200, 40, 60);
                    mask[(y * 32) + x] = 255;
                }
            }

            before.SaveAsPng(Path.Combine(root, "before", $"face{index}.png"));
            after.SaveAsPng(Path.Combine(root, "after", $"face{index}.png"));
            using var lips = Image.LoadPixelData<L8>(mask, 32, 32);
            lips.SaveAsPng(Path.Combine(root, "masks", $"face{index}-lips.png"));
        }

        return root;
    }
}
