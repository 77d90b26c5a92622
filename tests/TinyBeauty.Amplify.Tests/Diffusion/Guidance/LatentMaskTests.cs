using TinyBeauty.Amplify.Diffusion.Guidance;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Guidance;

public sealed class LatentMaskTests
{
    [Fact]
    public void Downsample_PixelMask_AveragesEachEightByEightBlock()
    {
        using var pixels = zeros(1, 1, 16, 16);
        pixels[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 8), TensorIndex.Slice(0, 8)].fill_(1);
        pixels[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(8, 12), TensorIndex.Slice(8, 16)].fill_(1);

        using var latent = LatentMask.Downsample(pixels);

        Assert.Equal([1L, 1L, 2L, 2L], latent.shape);
        Assert.Equal([1f, 0f, 0f, 0.5f], latent.data<float>().ToArray());
    }

    [Fact]
    public void Downsample_SizeNotAMultipleOfEight_ThrowsNamingTheShape()
    {
        using var pixels = zeros(1, 1, 12, 16);

        var exception = Assert.Throws<ArgumentException>(() => LatentMask.Downsample(pixels));

        Assert.Contains("[1, 1, 12, 16]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blend_OutsideTheMask_EqualsTheReferenceExactly()
    {
        random.manual_seed(4);
        using var latents = randn(2, 4, 3, 3);
        using var reference = randn(2, 4, 3, 3);
        using var mask = zeros(1, 1, 3, 3);
        mask[0, 0, 1, 1] = tensor(1f);
        mask[0, 0, 0, 1] = tensor(0.25f);

        using var blended = LatentMask.Blend(latents, reference, mask);

        using var outside = mask.eq(0).expand_as(latents);
        Assert.Equal(reference.masked_select(outside).data<float>().ToArray(),
            blended.masked_select(outside).data<float>().ToArray());
        using var inside = mask.eq(1).expand_as(latents);
        Assert.Equal(latents.masked_select(inside).data<float>().ToArray(),
            blended.masked_select(inside).data<float>().ToArray());
        var (generated, kept) = (latents[0, 0, 0, 1].item<float>(), reference[0, 0, 0, 1].item<float>());
        Assert.Equal(kept + (0.25f * (generated - kept)), blended[0, 0, 0, 1].item<float>(), 5);
    }

    [Fact]
    public void Blend_MaskOfAnotherSize_Throws()
    {
        using var latents = zeros(1, 4, 3, 3);
        using var mask = zeros(1, 1, 2, 3);

        var exception = Assert.Throws<ArgumentException>(() => LatentMask.Blend(latents, latents, mask));

        Assert.Equal("mask", exception.ParamName);
    }
}
