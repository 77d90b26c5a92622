using TinyBeauty.Amplify.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class DiffusersFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tinybeauty-diffusers-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void LoadUNetAndVae_DiffusersLayout_LoadTheSavedWeights()
    {
        using var unet = TinyNetworks.Randomize(TinyUNet(), 1);
        using var vae = TinyNetworks.Randomize(new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest), 2);
        DiffusionWeights.Save(unet, Component("unet", "diffusion_pytorch_model.safetensors"));
        DiffusionWeights.Save(vae, Component("vae", "diffusion_pytorch_model.safetensors"));

        using var loadedUNet = DiffusersFolder.LoadUNet(_root, UNet2DConditionConfig.TinyStableDiffusionTest);
        using var loadedVae = DiffusersFolder.LoadVae(_root, AutoencoderKLConfig.TinyStableDiffusionTest);

        TinyNetworks.AssertIdentical(unet.parameters().Last(), loadedUNet.parameters().Last());
        TinyNetworks.AssertIdentical(vae.parameters().Last(), loadedVae.parameters().Last());
    }

    [Fact]
    public void LoadImageEncoderAndControlNet_UseTheirFileNames()
    {
        using var encoder = new ClipVisionModelWithProjection(ClipVisionConfig.TinyTest);
        using var controlNet = TinyNetworks.Randomize(new ControlNetModel(ControlNetConfig.TinyTest), 3);
        DiffusionWeights.Save(encoder, Component("image_encoder", "model.safetensors"));
        DiffusionWeights.Save(controlNet, Component("canny", "diffusion_pytorch_model.safetensors"));

        using var loadedEncoder = DiffusersFolder.LoadImageEncoder(_root, ClipVisionConfig.TinyTest);
        using var loadedControlNet = DiffusersFolder.LoadControlNet(
            Path.Combine(_root, "canny"),
            ControlNetConfig.TinyTest);

        TinyNetworks.AssertIdentical(encoder.parameters().First(), loadedEncoder.parameters().First());
        TinyNetworks.AssertIdentical(controlNet.parameters().Last(), loadedControlNet.parameters().Last());
    }

    [Fact]
    public void FindWeights_OnlyTheFloat16Variant_UsesIt()
    {
        var half = Component("unet", "diffusion_pytorch_model.fp16.safetensors");
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.TinyStableDiffusionTest);
        DiffusionWeights.Save(unet, half, ScalarType.Float16);

        var found = DiffusersFolder.FindWeights(Path.Combine(_root, "unet"), DiffusersFolder.DiffusersWeightsName);
        using var loaded = DiffusersFolder.LoadUNet(_root, UNet2DConditionConfig.TinyStableDiffusionTest);

        Assert.Equal(half, found);
        var error = Assert.Throws<DiffusionWeightsException>(
            () => DiffusersFolder.LoadUNet(
                _root,
                UNet2DConditionConfig.TinyStableDiffusionTest,
                new DiffusionWeightsOptions { RequireFloat32 = true }));
        Assert.Contains("float32 was asked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindWeights_BothVariants_FollowsThePreference()
    {
        var full = Component("vae", "diffusion_pytorch_model.safetensors");
        var half = Component("vae", "diffusion_pytorch_model.fp16.safetensors");
        File.WriteAllText(full, "");
        File.WriteAllText(half, "");
        var folder = Path.Combine(_root, "vae");

        Assert.Equal(full, DiffusersFolder.FindWeights(folder, DiffusersFolder.DiffusersWeightsName));
        Assert.Equal(
            half,
            DiffusersFolder.FindWeights(
                folder,
                DiffusersFolder.DiffusersWeightsName,
                new DiffusionWeightsOptions { PreferFloat16Variant = true }));
    }

    [Fact]
    public void LoadUNet_NoWeightsFile_ThrowsListingWhatWasTried()
    {
        Directory.CreateDirectory(Path.Combine(_root, "unet"));

        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusersFolder.LoadUNet(_root));

        Assert.Contains("diffusion_pytorch_model.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("diffusion_pytorch_model.fp16.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadVae_NoComponentFolder_ThrowsNamingIt()
    {
        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusersFolder.LoadVae(_root));

        Assert.Contains(Path.Combine(_root, "vae"), error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    private string Component(string folder, string file)
    {
        var directory = Path.Combine(_root, folder);
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, file);
    }

    private static UNet2DConditionModel TinyUNet() => new(UNet2DConditionConfig.TinyStableDiffusionTest);
}
