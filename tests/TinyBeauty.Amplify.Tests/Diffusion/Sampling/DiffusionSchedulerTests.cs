using TinyBeauty.Amplify.Diffusion.Sampling;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class DiffusionSchedulerTests
{
    private static readonly NoiseSchedule s_schedule = NoiseSchedule.StableDiffusion15;

    [Fact]
    public void Timesteps_TenSteps_AreDiffusersLeadingListWithOffsetOne()
    {
        // Leading spacing: ratio 1000 / 10 = 100, timesteps (9 - k) * 100 + 1.
        int[] expected = [901, 801, 701, 601, 501, 401, 301, 201, 101, 1];

        Assert.Equal(expected, new DdimScheduler(s_schedule, 10).Timesteps);
        Assert.Equal(expected, new EulerAncestralScheduler(s_schedule, 10).Timesteps);
    }

    [Fact]
    public void Timesteps_FiftySteps_RunFrom981DownTo1InStepsOf20()
    {
        var expected = Enumerable.Range(0, 50).Select(k => 981 - (20 * k)).ToArray();

        var timesteps = new DdimScheduler(s_schedule, 50).Timesteps;

        Assert.Equal(expected, timesteps);
        Assert.Equal([981, 961, 941], timesteps.Take(3));
        Assert.Equal([41, 21, 1], timesteps.TakeLast(3));
        Assert.Equal(expected, new EulerAncestralScheduler(s_schedule, 50).Timesteps);
    }

    [Fact]
    public void Timesteps_StepCountNotDividingT_UsesIntegerRatio()
    {
        // 1000 / 30 = 33, so the list is 29 * 33 + 1 = 958 down to 1.
        var timesteps = new DdimScheduler(s_schedule, 30).Timesteps;

        Assert.Equal(958, timesteps[0]);
        Assert.Equal(925, timesteps[1]);
        Assert.Equal(1, timesteps[^1]);
    }

    [Fact]
    public void LeadingTimesteps_LargestWouldReachT_Throws()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(
            () => DiffusionScheduler.LeadingTimesteps(1000, 1000, 1));

        Assert.Contains("1000", exception.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimScheduler(s_schedule, 0));
    }

    [Fact]
    public void FirstStepForStrength_PointThreeOfTenSteps_KeepsTheLastThreeTimesteps()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 10);

        var first = scheduler.FirstStepForStrength(0.3);

        Assert.Equal(7, first);
        Assert.Equal([201, 101, 1], scheduler.Timesteps.Skip(first));
    }

    [Theory]
    [InlineData(1.0, 0)]
    [InlineData(0.0, 50)]
    [InlineData(0.75, 13)]
    [InlineData(0.5, 25)]
    public void FirstStepForStrength_FiftySteps_DropsTheNoisiestSteps(double strength, int expected)
    {
        Assert.Equal(expected, new DdimScheduler(s_schedule, 50).FirstStepForStrength(strength));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void FirstStepForStrength_OutOfRange_Throws(double strength)
    {
        var scheduler = new DdimScheduler(s_schedule, 10);

        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.FirstStepForStrength(strength));
    }
}
