using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Testing;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class ControlNetModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-controlnet-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [ReferenceFact("reference/sd15/tiny/controlnet-tiny-test-keys.tsv")]
    public void NamedParameters_TinyConfig_EqualTinyTable()
    {
        using var controlNet = new ControlNetModel(ControlNetConfig.TinyTest);

        KeyTable.AssertMatches("tiny/controlnet-tiny-test-keys.tsv", TinyNetworks.Rows(controlNet));
    }

    [Fact]
    public void Forward_FreshControlNet_GivesZeroResidualsShapedLikeTheSkips()
    {
        using var controlNet = new ControlNetModel(ControlNetConfig.TinyTest);
        using var scope = NewDisposeScope();

        using var residuals = controlNet.Forward(
            TinyNetworks.Normal(1, 2, 4, 16, 16),
            tensor(20L),
            TinyNetworks.Normal(2, 2, 3, 32),
            rand(2, 3, 32, 32));

        using var expected = UNet2DConditionModelTests.ZeroResiduals(2, 16);
        Assert.Equal(expected.DownBlockResiduals.Count, residuals.DownBlockResiduals.Count);
        for (var index = 0; index < expected.DownBlockResiduals.Count; index++)
        {
            TinyNetworks.AssertIdentical(expected.DownBlockResiduals[index], residuals.DownBlockResiduals[index]);
        }

        TinyNetworks.AssertIdentical(expected.MidBlockResidual, residuals.MidBlockResidual);
    }

    [Fact]
    public void Forward_ConditioningScale_MultipliesEveryResidual()
    {
        using var controlNet = TinyNetworks.Randomize(new ControlNetModel(ControlNetConfig.TinyTest), 3);
        using var scope = NewDisposeScope();
        var sample = TinyNetworks.Normal(4, 1, 4, 8, 8);
        var context = TinyNetworks.Normal(5, 1, 3, 32);
        var condition = TinyNetworks.Normal(6, 1, 3, 16, 16);

        using var once = controlNet.Forward(sample, tensor(20L), context, condition);
        using var twice = controlNet.Forward(sample, tensor(20L), context, condition, conditioningScale: 2.0);
        using var off = controlNet.Forward(sample, tensor(20L), context, condition, conditioningScale: 0.0);

        Assert.True(once.MidBlockResidual.abs().sum().item<float>() > 0);
        TinyNetworks.AssertClose(once.MidBlockResidual * 2, twice.MidBlockResidual, 1e-5);
        for (var index = 0; index < once.DownBlockResiduals.Count; index++)
        {
            TinyNetworks.AssertClose(once.DownBlockResiduals[index] * 2, twice.DownBlockResiduals[index], 1e-5);
            Assert.Equal(0f, off.DownBlockResiduals[index].abs().max().item<float>());
        }
    }

    [Fact]
    public void Forward_ResidualsDriveTheMatchingUNet()
    {
        using var controlNet = TinyNetworks.Randomize(new ControlNetModel(ControlNetConfig.TinyTest), 7);
        using var unet = TinyNetworks.Randomize(new UNet2DConditionModel(ControlNetConfig.TinyTest.UNet), 8);
        using var scope = NewDisposeScope();
        var sample = TinyNetworks.Normal(9, 1, 4, 8, 8);
        var context = TinyNetworks.Normal(10, 1, 3, 32);

        using var residuals = controlNet.Forward(sample, tensor(20L), context, rand(1, 3, 16, 16));
        var controlled = unet.Forward(sample, tensor(20L), context, residuals);
        var plain = unet.Forward(sample, tensor(20L), context);

        Assert.Equal([1L, 4, 8, 8], controlled.shape);
        Assert.False(controlled.allclose(plain));
    }

    [Fact]
    public void Forward_ConditionOfWrongSize_Throws()
    {
        using var controlNet = new ControlNetModel(ControlNetConfig.TinyTest);
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(
            () => controlNet.Forward(zeros(1, 4, 8, 8), tensor(1L), zeros(1, 3, 32), zeros(1, 3, 8, 8)));

        Assert.Contains("[1, 3, 16, 16]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveThenLoad_FreshControlNet_GivesIdenticalResiduals()
    {
        var path = Path.Combine(_folder, "controlnet.safetensors");
        using var original = TinyNetworks.Randomize(new ControlNetModel(ControlNetConfig.TinyTest), 11);
        using var reloaded = new ControlNetModel(ControlNetConfig.TinyTest);
        using var scope = NewDisposeScope();
        var sample = TinyNetworks.Normal(12, 1, 4, 8, 8);
        var context = TinyNetworks.Normal(13, 1, 3, 32);
        var condition = TinyNetworks.Normal(14, 1, 3, 16, 16);

        DiffusionWeights.Save(original, path);
        DiffusionWeights.Load(reloaded, path);

        using var expected = original.Forward(sample, tensor(5L), context, condition);
        using var actual = reloaded.Forward(sample, tensor(5L), context, condition);
        TinyNetworks.AssertIdentical(expected.MidBlockResidual, actual.MidBlockResidual);
        for (var index = 0; index < expected.DownBlockResiduals.Count; index++)
        {
            TinyNetworks.AssertIdentical(expected.DownBlockResiduals[index], actual.DownBlockResiduals[index]);
        }
    }
}
