using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Amplify.Diffusion.Pipeline;
using TinyBeauty.Amplify.Tests.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionModelsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tinybeauty-pipeline-models-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void SaveThenLoad_TinyRandomFolder_GivesTheSameNetworks()
    {
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.TinyWithControlNet, seed: 5);
        models.Save(_root);

        using var loaded = DiffusionModels.Load(
            _root,
            new DiffusionModelsOptions { Configs = DiffusionModelConfigs.TinyWithControlNet });

        Assert.NotNull(loaded.ControlNet);
        foreach (var (expected, actual) in new (nn.Module, nn.Module)[]
        {
            (models.UNet, loaded.UNet), (models.Vae, loaded.Vae), (models.ImageEncoder, loaded.ImageEncoder),
            (models.Projection, loaded.Projection), (models.ControlNet!, loaded.ControlNet!),
        })
        {
            var pairs = expected.parameters().Zip(actual.parameters());
            Assert.All(pairs, pair => TinyNetworks.AssertIdentical(pair.First, pair.Second));
        }
    }

    [Fact]
    public void Load_FolderWithoutControlNet_HoldsNone()
    {
        using (var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 6))
        {
            models.Save(_root);
        }

        using var loaded = DiffusionModels.Load(
            _root,
            new DiffusionModelsOptions { Configs = DiffusionModelConfigs.Tiny });

        Assert.Null(loaded.ControlNet);
        Assert.Null(loaded.Configs.ControlNet);
        Assert.All(loaded.UNet.parameters(), parameter => Assert.False(parameter.requires_grad));
    }

    [Fact]
    public void Load_MissingFolder_NamesIt()
    {
        var missing = Path.Combine(_root, "nowhere");

        var exception = Assert.Throws<DiffusionWeightsException>(() => DiffusionModels.Load(missing));

        Assert.Contains(missing, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingVae_NamesTheVaeFolder()
    {
        using (var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 7))
        {
            models.Save(_root);
        }

        Directory.Delete(Path.Combine(_root, "vae"), recursive: true);

        var exception = Assert.Throws<DiffusionWeightsException>(
            () => DiffusionModels.Load(_root, new DiffusionModelsOptions { Configs = DiffusionModelConfigs.Tiny }));

        Assert.Contains(Path.Combine(_root, "vae"), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProjectionWidthNotTheEncoders_Throws()
    {
        var configs = DiffusionModelConfigs.Tiny with { Projection = ImageTokenProjectionConfig.TinyBeauty };

        Assert.Throws<ArgumentException>(() => configs.Validate());
    }
}
