using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Amplify.Diffusion.Pipeline;
using TinyBeauty.Amplify.Tests.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class UNetLoraTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-unet-lora-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Inject_TinyUNet_FreshLayersLeaveTheOutputUnchanged()
    {
        using var unet = TinyUNet(1);
        using var sample = TinyNetworks.Normal(2, 1, 4, 8, 8);
        using var context = TinyNetworks.Normal(3, 1, 6, 32);
        using var timestep = tensor(500L);
        using var before = unet.Forward(sample, timestep, context);

        var adapter = LoraAdapter.Inject(unet);
        using var after = unet.Forward(sample, timestep, context);

        Assert.Equal(32, adapter.Layers.Count);
        TinyNetworks.AssertIdentical(before, after);
    }

    [Fact]
    public void Inject_TinyUNet_MovedUpWeightsChangeTheOutput()
    {
        using var unet = TinyUNet(4);
        using var sample = TinyNetworks.Normal(5, 1, 4, 8, 8);
        using var context = TinyNetworks.Normal(6, 1, 6, 32);
        using var timestep = tensor(300L);
        using var before = unet.Forward(sample, timestep, context);

        var adapter = LoraAdapter.Inject(unet);
        FillUp(adapter, 7);
        using var after = unet.Forward(sample, timestep, context);

        Assert.False(before.allclose(after));
    }

    [Fact]
    public void Inject_TinyUNet_OnlyLoraParametersRequireGrad()
    {
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.TinyStableDiffusionTest);

        LoraAdapter.Inject(unet);

        var trainable = unet.named_parameters().Where(entry => entry.parameter.requires_grad).ToList();
        Assert.Equal(64, trainable.Count);
        Assert.All(trainable, entry => Assert.Matches(@"\.lora\.(down|up)\.weight$", entry.name));
    }

    [Fact]
    public void SaveThenLoad_TinyUNetLora_GivesEqualOutputs()
    {
        using var first = TinyUNet(8);
        using var second = TinyUNet(8);
        var trained = LoraAdapter.Inject(first);
        FillUp(trained, 9);
        var path = Path.Combine(_folder, "lora.safetensors");
        trained.Save(path);

        var loaded = LoraAdapter.Inject(second, new LoraInjectionOptions { Seed = 99 });
        loaded.Load(path);

        using var sample = TinyNetworks.Normal(10, 1, 4, 8, 8);
        using var context = TinyNetworks.Normal(11, 1, 6, 32);
        using var timestep = tensor(700L);
        using var expected = first.Forward(sample, timestep, context);
        using var actual = second.Forward(sample, timestep, context);
        TinyNetworks.AssertIdentical(expected, actual);
    }

    [Fact]
    public void InjectLora_Twice_ReturnsTheSameLayers()
    {
        using var models = DiffusionModels.CreateRandom(DiffusionModelConfigs.Tiny, seed: 1);

        var first = models.InjectLora();
        var second = models.InjectLora();

        Assert.Same(first, second);
        Assert.Throws<InvalidOperationException>(() => models.InjectLora(rank: 2));
    }

    private static UNet2DConditionModel TinyUNet(long seed) =>
        TinyNetworks.Randomize(new UNet2DConditionModel(UNet2DConditionConfig.TinyStableDiffusionTest), seed);

    private static void FillUp(LoraAdapter adapter, long seed)
    {
        using var noGrad = no_grad();
        var generator = new Generator((ulong)seed);
        foreach (var layer in adapter.Layers.Values)
        {
            using var values = randn(layer.UpWeight.shape, generator: generator) * 0.1;
            layer.UpWeight.copy_(values);
        }
    }
}
