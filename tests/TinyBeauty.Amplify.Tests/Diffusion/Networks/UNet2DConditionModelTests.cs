using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Testing;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class UNet2DConditionModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-unet-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [ReferenceFact("reference/sd15/tiny/unet-tiny-sd-test-keys.tsv")]
    public void NamedParameters_TinyConfigs_EqualTinyTables()
    {
        using var sd = new UNet2DConditionModel(UNet2DConditionConfig.TinyStableDiffusionTest);
        using var controlNetUNet = new UNet2DConditionModel(UNet2DConditionConfig.TinyControlNetTest);

        KeyTable.AssertMatches("tiny/unet-tiny-sd-test-keys.tsv", TinyNetworks.Rows(sd));
        KeyTable.AssertMatches("tiny/unet-tiny-controlnet-test-keys.tsv", TinyNetworks.Rows(controlNetUNet));
    }

    [Fact]
    public void Constructor_EveryNorm_StartsAtWeightOneAndBiasZero()
    {
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.TinyStableDiffusionTest);
        using var vae = new AutoencoderKL(AutoencoderKLConfig.TinyStableDiffusionTest);
        var norms = unet.named_parameters()
            .Concat(vae.named_parameters())
            .Where(pair => pair.name.Contains("norm", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(norms);
        foreach (var (name, parameter) in norms)
        {
            var expected = name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
            Assert.True(parameter.eq(expected).all().item<bool>(), $"{name} is not initialized to {expected}.");
        }
    }

    [Fact]
    public void Forward_TinyUNet_ReturnsTheSampleShape()
    {
        using var unet = TinyNetworks.Randomize(TinyUNet(), 1);
        using var scope = NewDisposeScope();
        var sample = TinyNetworks.Normal(2, 2, 4, 16, 16);
        var context = TinyNetworks.Normal(3, 2, 5, 32);

        var shared = unet.Forward(sample, tensor(10L), context);
        var perSample = unet.Forward(sample, tensor(new long[] { 10, 10 }), context);
        var other = unet.Forward(sample, tensor(new long[] { 10, 900 }), context);

        Assert.Equal([2L, 4, 16, 16], shared.shape);
        Assert.False(shared.isnan().any().item<bool>());
        TinyNetworks.AssertIdentical(shared, perSample);
        TinyNetworks.AssertIdentical(shared[0], other[0]);
        Assert.False(shared[1].allclose(other[1]));
    }

    [Fact]
    public void Forward_ZeroControlNetResiduals_EqualsForwardWithout()
    {
        using var unet = TinyNetworks.Randomize(new UNet2DConditionModel(UNet2DConditionConfig.TinyControlNetTest), 4);
        using var scope = NewDisposeScope();
        var sample = TinyNetworks.Normal(5, 1, 4, 16, 16);
        var context = TinyNetworks.Normal(6, 1, 7, 32);
        using var zeros = ZeroResiduals(1, 16);

        var plain = unet.Forward(sample, tensor(500L), context);
        var controlled = unet.Forward(sample, tensor(500L), context, zeros);

        TinyNetworks.AssertIdentical(plain, controlled);
    }

    [Fact]
    public void Forward_NonZeroMidResidual_ChangesThePrediction()
    {
        using var unet = TinyNetworks.Randomize(new UNet2DConditionModel(UNet2DConditionConfig.TinyControlNetTest), 4);
        using var scope = NewDisposeScope();
        var sample = TinyNetworks.Normal(5, 1, 4, 16, 16);
        var context = TinyNetworks.Normal(6, 1, 7, 32);
        using var zeros = ZeroResiduals(1, 16);
        using var shifted = new ControlNetResiduals(
            zeros.DownBlockResiduals.Select(residual => residual.clone()).ToArray(),
            ones(1, 8, 8, 8));

        var plain = unet.Forward(sample, tensor(500L), context);
        var controlled = unet.Forward(sample, tensor(500L), context, shifted);

        Assert.False(plain.allclose(controlled));
    }

    [Fact]
    public void Forward_WrongResidualCount_Throws()
    {
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.TinyControlNetTest);
        using var scope = NewDisposeScope();
        using var residuals = new ControlNetResiduals([zeros(1, 4, 16, 16)], zeros(1, 8, 8, 8));

        var error = Assert.Throws<ArgumentException>(
            () => unet.Forward(zeros(1, 4, 16, 16), tensor(1L), zeros(1, 3, 32), residuals));

        Assert.Contains("6 skip connections", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 16, 16, 32)]
    [InlineData(4, 15, 16, 32)]
    [InlineData(4, 16, 16, 31)]
    public void Forward_BadShapes_Throw(long channels, long height, long width, long contextWidth)
    {
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.TinyStableDiffusionTest);
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(
            () => unet.Forward(zeros(1, channels, height, width), tensor(1L), zeros(1, 3, contextWidth)));
    }

    [Fact]
    public void SaveThenLoad_FreshUNet_GivesIdenticalOutputs()
    {
        var path = Path.Combine(_folder, "unet.safetensors");
        using var original = TinyNetworks.Randomize(TinyUNet(), 7);
        using var reloaded = new UNet2DConditionModel(UNet2DConditionConfig.TinyStableDiffusionTest);
        using var scope = NewDisposeScope();
        var sample = TinyNetworks.Normal(8, 1, 4, 8, 8);
        var context = TinyNetworks.Normal(9, 1, 4, 32);

        DiffusionWeights.Save(original, path);
        DiffusionWeights.Load(reloaded, path);

        TinyNetworks.AssertIdentical(
            original.Forward(sample, tensor(3L), context),
            reloaded.Forward(sample, tensor(3L), context));
    }

    [Fact]
    public void Sinusoids_MatchTheClosedForm()
    {
        using var scope = NewDisposeScope();

        var features = TimestepEmbedding.Sinusoids(tensor(new float[] { 0f, 7f }), 8);

        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f], features[0].data<float>().ToArray());
        for (var index = 0; index < 4; index++)
        {
            var angle = 7.0 * Math.Exp(-Math.Log(10000.0) * index / 4);
            Assert.Equal(Math.Cos(angle), features[1, index].item<float>(), 5);
            Assert.Equal(Math.Sin(angle), features[1, index + 4].item<float>(), 5);
        }
    }

    /// <summary>
    /// Zero residuals for the tiny ControlNet UNet (channels 4 and 8, two layers): conv_in and two layers at full
    /// size, then the downsampler and two layers at half size.
    /// </summary>
    internal static ControlNetResiduals ZeroResiduals(long batch, long side)
    {
        var half = side / 2;
        var down = new List<Tensor>
        {
            zeros(batch, 4, side, side),
            zeros(batch, 4, side, side),
            zeros(batch, 4, side, side),
            zeros(batch, 4, half, half),
            zeros(batch, 8, half, half),
            zeros(batch, 8, half, half),
        };

        return new ControlNetResiduals(down, zeros(batch, 8, half, half));
    }

    private static UNet2DConditionModel TinyUNet() => new(UNet2DConditionConfig.TinyStableDiffusionTest);
}
