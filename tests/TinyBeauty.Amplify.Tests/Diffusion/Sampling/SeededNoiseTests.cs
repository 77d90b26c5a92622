using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class SeededNoiseTests
{
    [Fact]
    public void Like_SameSeed_GivesTheSameValuesAndDifferentSeedsDiffer()
    {
        using var like = zeros(2, 4, 8, 8, dtype: ScalarType.Float64);
        using var first = SeededNoise.CreateGenerator(123);
        using var second = SeededNoise.CreateGenerator(123);
        using var other = SeededNoise.CreateGenerator(124);

        using var a = SeededNoise.Like(like, first);
        using var b = SeededNoise.Like(like, second);
        using var c = SeededNoise.Like(like, other);

        Assert.Equal(ScalarType.Float64, a.dtype);
        Assert.Equal(like.shape, a.shape);
        Assert.Equal(a.data<double>().ToArray(), b.data<double>().ToArray());
        Assert.NotEqual(a.data<double>().ToArray(), c.data<double>().ToArray());
    }

    [Fact]
    public void Like_ConsecutiveDraws_Differ()
    {
        using var like = zeros(16);
        using var generator = SeededNoise.CreateGenerator(0);

        using var a = SeededNoise.Like(like, generator);
        using var b = SeededNoise.Like(like, generator);

        Assert.NotEqual(a.data<float>().ToArray(), b.data<float>().ToArray());
    }
}
