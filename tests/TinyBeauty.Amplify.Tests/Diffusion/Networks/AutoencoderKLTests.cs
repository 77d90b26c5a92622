using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Testing;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class AutoencoderKLTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-vae-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [ReferenceFact("reference/sd15/tiny/vae-tiny-sd-test-keys.tsv")]
    public void NamedParameters_TinyConfig_EqualTinyTable()
    {
        using var vae = new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest);

        KeyTable.AssertMatches("tiny/vae-tiny-sd-test-keys.tsv", TinyNetworks.Rows(vae));
    }

    [Fact]
    public void EncodeThenDecode_TinyVae_HalvesThenRestoresTheSize()
    {
        using var vae = TinyNetworks.Randomize(new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest), 1);
        using var scope = NewDisposeScope();

        using var latent = vae.Encode(TinyNetworks.Normal(2, 2, 3, 32, 32).tanh());
        var images = vae.Decode(latent.Mean);

        Assert.Equal([2L, 4, 16, 16], latent.Mean.shape);
        Assert.Equal([2L, 4, 16, 16], latent.LogVariance.shape);
        Assert.True(latent.LogVariance.max().item<float>() <= 20f);
        Assert.Equal([2L, 3, 32, 32], images.shape);
        Assert.Equal(0.18215, vae.Config.ScalingFactor);
    }

    [Fact]
    public void Sample_SameGeneratorSeed_DrawsTheSameLatents()
    {
        using var vae = TinyNetworks.Randomize(new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest), 3);
        using var scope = NewDisposeScope();
        using var latent = vae.Encode(TinyNetworks.Normal(4, 1, 3, 16, 16).tanh());

        var first = latent.Sample(new Generator(42));
        var second = latent.Sample(new Generator(42));
        var third = latent.Sample(new Generator(43));

        TinyNetworks.AssertIdentical(first, second);
        Assert.False(first.allclose(third));
        Assert.False(first.allclose(latent.Mean));
    }

    [Fact]
    public void Encode_SideNotAMultipleOfTheDownscale_Throws()
    {
        using var vae = new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest);
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => vae.Encode(zeros(1, 3, 15, 16)));
    }

    [Fact]
    public void Downsampler_PadsOnlyRightAndBottom()
    {
        using var downsample = new Downsample2D(2, 0, CPU);
        using var scope = NewDisposeScope();
        var input = TinyNetworks.Normal(5, 1, 2, 6, 6);
        var weight = downsample.named_parameters().Single(pair => pair.name == "conv.weight").parameter;
        var bias = downsample.named_parameters().Single(pair => pair.name == "conv.bias").parameter;

        var padded = nn.functional.pad(input, [0, 1, 0, 1]);
        var expected = nn.functional.conv2d(padded, weight, bias, strides: [2, 2]);

        TinyNetworks.AssertClose(expected, downsample.Forward(input), 1e-6);
        Assert.Equal([1L, 2, 3, 3], expected.shape);
    }

    [Fact]
    public void Load_LegacyAttentionNames_GivesTheSameDecoder()
    {
        var path = Path.Combine(_folder, "legacy.safetensors");
        using var original = TinyNetworks.Randomize(new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest), 6);
        using var reloaded = new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest);
        using var scope = NewDisposeScope();
        TinyNetworks.WriteEdited(
            original,
            path,
            tensors => tensors.Select(pair => (ToLegacy(pair.Name), pair.Tensor)).ToList());
        var latents = TinyNetworks.Normal(7, 1, 4, 8, 8);

        DiffusionWeights.Load(reloaded, path);

        Assert.Contains(
            "encoder.mid_block.attentions.0.proj_attn.weight",
            Model.Checkpoints.SafeTensorsFile.Open(path).Entries.Select(entry => entry.Name));
        TinyNetworks.AssertIdentical(original.Decode(latents), reloaded.Decode(latents));
        using var expected = original.Encode(latents.repeat(1, 1, 2, 2)[.., ..3]);
        using var actual = reloaded.Encode(latents.repeat(1, 1, 2, 2)[.., ..3]);
        TinyNetworks.AssertIdentical(expected.Mean, actual.Mean);
    }

    [Fact]
    public void Load_LegacyAndCurrentNamesTogether_Throws()
    {
        var path = Path.Combine(_folder, "both.safetensors");
        using var vae = new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest);
        TinyNetworks.WriteEdited(
            vae,
            path,
            tensors => tensors
                .Concat(tensors.Where(pair => pair.Name.EndsWith("to_q.weight", StringComparison.Ordinal))
                    .Select(pair => (ToLegacy(pair.Name), pair.Tensor)))
                .ToList());

        var error = Assert.Throws<DiffusionWeightsException>(() => DiffusionWeights.Load(vae, path));

        Assert.Contains("query.weight", error.Message, StringComparison.Ordinal);
    }

    private static string ToLegacy(string name) => name
        .Replace(".to_q.", ".query.", StringComparison.Ordinal)
        .Replace(".to_k.", ".key.", StringComparison.Ordinal)
        .Replace(".to_v.", ".value.", StringComparison.Ordinal)
        .Replace(".to_out.0.", ".proj_attn.", StringComparison.Ordinal);
}
