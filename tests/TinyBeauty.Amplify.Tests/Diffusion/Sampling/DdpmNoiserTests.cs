using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class DdpmNoiserTests
{
    private readonly DdpmNoiser _noiser = new();

    [Fact]
    public void SampleTimesteps_SameSeed_RepeatsAndStaysInRange()
    {
        using var first = SeededNoise.CreateGenerator(42);
        using var second = SeededNoise.CreateGenerator(42);
        using var other = SeededNoise.CreateGenerator(43);

        using var a = _noiser.SampleTimesteps(64, first);
        using var b = _noiser.SampleTimesteps(64, second);
        using var c = _noiser.SampleTimesteps(64, other);

        Assert.Equal(ScalarType.Int64, a.dtype);
        Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());
        Assert.NotEqual(a.data<long>().ToArray(), c.data<long>().ToArray());
        Assert.All(a.data<long>().ToArray(), step => Assert.InRange(step, 0, 999));
    }

    [Fact]
    public void AddNoise_PerElementTimesteps_UseEachElementsAlphaBar()
    {
        using var original = tensor(new[] { 1.0f, 1.0f, -2.0f, -2.0f }, [2, 1, 1, 2]);
        using var noise = tensor(new[] { 0.5f, -0.5f, 1.0f, 0.0f }, [2, 1, 1, 2]);
        using var timesteps = tensor(new long[] { 0, 999 });

        using var noised = _noiser.AddNoise(original, noise, timesteps);

        var values = noised.data<float>().ToArray();
        var (a0, a999) = (_noiser.Schedule.AlphasCumulativeProduct[0], _noiser.Schedule.AlphasCumulativeProduct[999]);
        Assert.Equal(Math.Sqrt(a0) + (0.5 * Math.Sqrt(1 - a0)), values[0], 5);
        Assert.Equal(Math.Sqrt(a0) - (0.5 * Math.Sqrt(1 - a0)), values[1], 5);
        Assert.Equal((-2 * Math.Sqrt(a999)) + Math.Sqrt(1 - a999), values[2], 5);
        Assert.Equal(-2 * Math.Sqrt(a999), values[3], 5);
    }

    [Fact]
    public void AddNoise_TimestepOutOfRange_Throws()
    {
        using var original = zeros(1, 1, 1, 1);
        using var timesteps = tensor(new long[] { 1000 });

        Assert.Throws<ArgumentOutOfRangeException>(() => _noiser.AddNoise(original, original, timesteps));
    }

    [Fact]
    public void AddNoise_WrongTimestepCount_ThrowsNamingTheShape()
    {
        using var original = zeros(2, 1, 1, 1);
        using var timesteps = tensor(new long[] { 1, 2, 3 });

        var exception = Assert.Throws<ArgumentException>(() => _noiser.AddNoise(original, original, timesteps));

        Assert.Equal("timesteps", exception.ParamName);
    }
}
