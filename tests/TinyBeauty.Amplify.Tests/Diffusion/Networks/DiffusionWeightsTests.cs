using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Model.Checkpoints;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class DiffusionWeightsTests : IDisposable
{
    private const string ConvIn = "conv_in.weight";

    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-weights-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_MissingTensor_ThrowsNamingFileAndTensor()
    {
        var path = Path.Combine(_folder, "missing.safetensors");
        using var unet = TinyUNet();
        TinyNetworks.WriteEdited(unet, path, tensors => tensors.Where(pair => pair.Name != ConvIn).ToList());

        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusionWeights.Load(unet, path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("1 missing tensor(s): 'conv_in.weight'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExtraTensor_ThrowsNamingIt()
    {
        var path = Path.Combine(_folder, "extra.safetensors");
        using var unet = TinyUNet();
        using var spare = zeros(3);
        TinyNetworks.WriteEdited(unet, path, tensors => tensors.Append(("down_blocks.9.spare", spare)).ToList());

        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusionWeights.Load(unet, path));

        Assert.Contains("1 unexpected tensor(s): 'down_blocks.9.spare'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MisshapedTensor_ThrowsWithBothShapesAndLeavesWeightsUnchanged()
    {
        var path = Path.Combine(_folder, "misshaped.safetensors");
        using var unet = TinyUNet();
        using var wrong = zeros(4, 4, 1, 1);
        TinyNetworks.WriteEdited(
            TinyNetworks.Randomize(TinyUNet(), 1),
            path,
            tensors => tensors.Select(pair => pair.Name == ConvIn ? (pair.Name, wrong) : pair).ToList());
        var before = unet.parameters().Select(parameter => parameter.clone()).ToList();

        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusionWeights.Load(unet, path));

        Assert.Contains(
            "tensor 'conv_in.weight' has shape [4, 4, 1, 1] but UNet2DConditionModel expects [4, 4, 3, 3]",
            error.Message,
            StringComparison.Ordinal);
        foreach (var (original, current) in before.Zip(unet.parameters()))
        {
            TinyNetworks.AssertIdentical(original, current);
        }
    }

    [Fact]
    public void Load_HalfPrecisionFile_ConvertsToTheParameterDtype()
    {
        var path = Path.Combine(_folder, "half.safetensors");
        using var original = TinyNetworks.Randomize(TinyUNet(), 2);
        using var reloaded = TinyUNet();
        DiffusionWeights.Save(original, path, ScalarType.Float16);

        DiffusionWeights.Load(reloaded, path);

        using var file = SafeTensorsFile.Open(path);
        Assert.All(file.Entries, entry => Assert.Equal("F16", entry.DType));
        foreach (var (expected, actual) in original.parameters().Zip(reloaded.parameters()))
        {
            Assert.Equal(ScalarType.Float32, actual.dtype);
            TinyNetworks.AssertIdentical(expected.to_type(ScalarType.Float16).to_type(ScalarType.Float32), actual);
        }
    }

    [Fact]
    public void Load_BFloat16File_Loads()
    {
        var path = Path.Combine(_folder, "bf16.safetensors");
        using var original = TinyNetworks.Randomize(TinyUNet(), 3);
        using var reloaded = TinyUNet();
        DiffusionWeights.Save(original, path, ScalarType.BFloat16);

        DiffusionWeights.Load(reloaded, path);

        foreach (var (expected, actual) in original.parameters().Zip(reloaded.parameters()))
        {
            TinyNetworks.AssertIdentical(expected.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32), actual);
        }
    }

    [Fact]
    public void Load_HalfPrecisionFileWithRequireFloat32_IsRefused()
    {
        var path = Path.Combine(_folder, "half.safetensors");
        using var unet = TinyUNet();
        DiffusionWeights.Save(unet, path, ScalarType.Float16);

        var error = Assert.Throws<DiffusionWeightsException>(
            () => DiffusionWeights.Load(unet, path, new DiffusionWeightsOptions { RequireFloat32 = true }));

        Assert.Contains("holds F16 tensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("but float32 was asked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Float32FileWithRequireFloat32_Loads()
    {
        var path = Path.Combine(_folder, "full.safetensors");
        using var original = TinyNetworks.Randomize(TinyUNet(), 4);
        using var reloaded = TinyUNet();
        DiffusionWeights.Save(original, path);

        DiffusionWeights.Load(reloaded, path, new DiffusionWeightsOptions { RequireFloat32 = true });

        TinyNetworks.AssertIdentical(original.parameters().First(), reloaded.parameters().First());
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingIt()
    {
        var path = Path.Combine(_folder, "absent.safetensors");
        using var unet = TinyUNet();

        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusionWeights.Load(unet, path));

        Assert.Contains("absent.safetensors' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotSafetensors_ThrowsNamingTheFile()
    {
        var path = Path.Combine(_folder, "text.safetensors");
        File.WriteAllText(path, "this is not a checkpoint");
        using var unet = TinyUNet();

        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusionWeights.Load(unet, path));

        Assert.Contains("is not a valid safetensors file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_WritesDiffusersKeysInStateDictOrder()
    {
        var path = Path.Combine(_folder, "keys.safetensors");
        using var vae = new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest);

        DiffusionWeights.Save(vae, path);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(vae.named_parameters().Select(pair => pair.name), file.Entries.Select(entry => entry.Name));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Save_UnsupportedStoredType_Throws()
    {
        using var unet = TinyUNet();

        Assert.Throws<ArgumentException>(
            () => DiffusionWeights.Save(unet, Path.Combine(_folder, "x.safetensors"), ScalarType.Int32));
    }

    private static UNet2DConditionModel TinyUNet() => new(UNet2DConditionConfig.TinyStableDiffusionTest);
}
