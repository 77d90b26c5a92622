using TinyBeauty.Amplify.Diffusion.Sampling;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class NoiseScheduleTests
{
    private static readonly NoiseSchedule s_schedule = NoiseSchedule.StableDiffusion15;

    [Fact]
    public void Betas_EndPoints_AreTheConfiguredStartAndEnd()
    {
        Assert.Equal(1000, s_schedule.TrainTimesteps);
        Assert.Equal(0.00085, s_schedule.Betas[0], 15);
        Assert.Equal(0.012, s_schedule.Betas[999], 15);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(500)]
    [InlineData(998)]
    public void Betas_InsideTheRange_AreSquaresOfAnEvenlySpacedRoot(int index)
    {
        // Interpolate the square roots from both ends so that the value does not come from the same expression.
        var fraction = index / 999.0;
        var root = ((1 - fraction) * Math.Sqrt(0.00085)) + (fraction * Math.Sqrt(0.012));

        Assert.Equal(root * root, s_schedule.Betas[index], 14);
    }

    [Fact]
    public void AlphasCumulativeProduct_KnownIndices_MatchAnIndependentLogSum()
    {
        Assert.Equal(0.99915, s_schedule.AlphasCumulativeProduct[0], 15);
        foreach (var index in new[] { 1, 10, 250, 500, 999 })
        {
            var logSum = 0.0;
            for (var step = 0; step <= index; step++)
            {
                logSum += Math.Log(1 - s_schedule.Betas[step]);
            }

            Assert.Equal(Math.Exp(logSum), s_schedule.AlphasCumulativeProduct[index], 12);
        }
    }

    [Fact]
    public void Sigma_LastTimestep_IsStableDiffusionsWellKnownMaximum()
    {
        // k-diffusion quotes sigma_max = 14.6146 and sigma_min = 0.0292 for Stable Diffusion 1.x.
        Assert.Equal(14.6146, s_schedule.Sigma(999), 3);
        Assert.Equal(0.0292, s_schedule.Sigma(0), 4);
        Assert.Equal(Math.Sqrt(0.00085 / 0.99915), s_schedule.Sigma(0), 14);
    }

    [Theory]
    [InlineData(0, 0.01, 1000, "betaStart")]
    [InlineData(0.01, 0.001, 1000, "betaEnd")]
    [InlineData(0.001, 1.0, 1000, "betaEnd")]
    [InlineData(0.001, 0.01, 1, "trainTimesteps")]
    public void Constructor_BadArguments_ThrowNamingTheParameter(double start, double end, int count, string name)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new NoiseSchedule(start, end, count));

        Assert.Equal(name, exception.ParamName);
    }

    [Fact]
    public void Sigma_TimestepOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => s_schedule.Sigma(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => s_schedule.Sigma(-1));
    }
}
