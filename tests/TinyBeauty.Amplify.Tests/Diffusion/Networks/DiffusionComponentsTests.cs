using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Testing;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class DiffusionComponentsTests
{
    [ReferenceFact("reference/sd15/unet-keys.tsv")]
    public void Describe_RealUNet_EqualsTableAndCount()
    {
        AssertDescription(DiffusionComponent.UNet, "unet-keys.tsv", 686, 859_520_964);
    }

    [ReferenceFact("reference/sd15/vae-keys.tsv")]
    public void Describe_RealVae_EqualsTableAndCount()
    {
        AssertDescription(DiffusionComponent.Vae, "vae-keys.tsv", 248, 83_653_863);
    }

    [ReferenceFact("reference/sd15/clip-vision-vith14-keys.tsv")]
    public void Describe_RealImageEncoder_EqualsTableAndCount()
    {
        AssertDescription(DiffusionComponent.ImageEncoder, "clip-vision-vith14-keys.tsv", 520, 632_076_800);
    }

    [ReferenceFact("reference/sd15/controlnet-canny-keys.tsv")]
    public void Describe_RealControlNet_EqualsTableAndCount()
    {
        AssertDescription(DiffusionComponent.ControlNet, "controlnet-canny-keys.tsv", 340, 361_279_120);
    }

    [ReferenceFact("reference/sd15/tinybeauty-proj-keys.tsv")]
    public void Describe_RealImageProjection_EqualsTableAndCount()
    {
        AssertDescription(DiffusionComponent.ImageProjection, "tinybeauty-proj-keys.tsv", 4, 25_191_936);
    }

    [ReferenceFact("reference/sd15/tiny/unet-tiny-sd-test-keys.tsv")]
    public void Describe_TinyComponents_EqualTinyTables()
    {
        AssertTiny(DiffusionComponent.UNet, "tiny/unet-tiny-sd-test-keys.tsv", 18_464);
        AssertTiny(DiffusionComponent.Vae, "tiny/vae-tiny-sd-test-keys.tsv", 11_827);
        AssertTiny(DiffusionComponent.ControlNet, "tiny/controlnet-tiny-test-keys.tsv", 21_236);
        AssertTiny(DiffusionComponent.ImageEncoder, "tiny/clip-vision-tiny-test-keys.tsv", 62_169);
    }

    [ReferenceFact("reference/sd15/tiny/unet-tiny-controlnet-test-keys.tsv")]
    public void Describe_TinyControlNetUNet_EqualsTable()
    {
        var described = UNet2DConditionModel.Describe(UNet2DConditionConfig.TinyControlNetTest);

        KeyTable.AssertMatches("tiny/unet-tiny-controlnet-test-keys.tsv", Rows(described));
        Assert.Equal(26_732, described.Sum(parameter => parameter.ElementCount));
    }

    [ReferenceFact("reference/sd15/unet-keys.tsv")]
    public void Describe_RealUNet_KeepsStateDictOrder()
    {
        var described = DiffusionComponents.Describe(DiffusionConfigName.StableDiffusion15, DiffusionComponent.UNet);

        Assert.Equal(KeyTable.ReadParameters("unet-keys.tsv").Select(row => row.Name), described.Select(p => p.Name));
    }

    [Fact]
    public void Constructor_OnMetaDevice_HoldsShapesWithoutStorage()
    {
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.StableDiffusion15, DiffusionNetworks.Meta);

        var parameters = unet.parameters().ToList();

        Assert.Equal(686, parameters.Count);
        Assert.All(parameters, parameter => Assert.Equal(TorchSharp.DeviceType.META, parameter.device_type));
    }

    [Fact]
    public void ParameterShape_ToString_IsNameTabAndCommaSeparatedDimensions()
    {
        var shape = new ParameterShape("conv_in.weight", [320, 4, 3, 3]);

        Assert.Equal("conv_in.weight\t320,4,3,3", shape.ToString());
        Assert.Equal(11_520, shape.ElementCount);
    }

    [Fact]
    public void Describe_UnknownComponent_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => DiffusionComponents.Describe(DiffusionConfigName.Tiny, (DiffusionComponent)42));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => DiffusionComponents.Describe((DiffusionConfigName)42, DiffusionComponent.UNet));
    }

    private static void AssertDescription(DiffusionComponent component, string table, int tensors, long parameters)
    {
        var described = DiffusionComponents.Describe(DiffusionConfigName.StableDiffusion15, component);

        KeyTable.AssertMatches(table, Rows(described));
        Assert.Equal(tensors, described.Count);
        Assert.Equal(parameters, described.Sum(parameter => parameter.ElementCount));
    }

    private static void AssertTiny(DiffusionComponent component, string table, long parameters)
    {
        var described = DiffusionComponents.Describe(DiffusionConfigName.Tiny, component);

        KeyTable.AssertMatches(table, Rows(described));
        Assert.Equal(parameters, described.Sum(parameter => parameter.ElementCount));
    }

    private static IEnumerable<(string, long[])> Rows(IReadOnlyList<ParameterShape> described) =>
        described.Select(parameter => (parameter.Name, parameter.Shape.ToArray()));
}
