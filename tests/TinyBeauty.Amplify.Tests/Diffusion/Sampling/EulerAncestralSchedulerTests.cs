using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class EulerAncestralSchedulerTests
{
    private static readonly NoiseSchedule s_schedule = NoiseSchedule.StableDiffusion15;

    [Fact]
    public void Sigmas_TenSteps_AreSqrtOfOneMinusAlphaOverAlphaAtEachTimestepThenZero()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 10);

        Assert.Equal(11, scheduler.Sigmas.Count);
        for (var index = 0; index < 10; index++)
        {
            var alpha = s_schedule.AlphasCumulativeProduct[scheduler.Timesteps[index]];
            Assert.Equal(Math.Sqrt((1 - alpha) / alpha), scheduler.Sigmas[index], 12);
        }

        Assert.Equal(0.0, scheduler.Sigmas[10]);
        Assert.True(scheduler.Sigmas.Zip(scheduler.Sigmas.Skip(1)).All(pair => pair.First > pair.Second));
    }

    [Fact]
    public void Sigmas_FirstAndLast_MatchHandComputedValues()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 50);

        // t = 1: a_1 = (1 - beta_0)(1 - beta_1) with beta_1 from the scaled-linear formula.
        var rootBeta1 = Math.Sqrt(0.00085) + ((Math.Sqrt(0.012) - Math.Sqrt(0.00085)) / 999);
        var alpha1 = 0.99915 * (1 - (rootBeta1 * rootBeta1));
        Assert.Equal(Math.Sqrt((1 - alpha1) / alpha1), scheduler.Sigmas[49], 12);

        // t = 981 is close to (a little below) the schedule's maximum of about 14.61.
        Assert.InRange(scheduler.Sigmas[0], 12.0, 14.6146);
        var first = scheduler.Sigmas[0];
        Assert.Equal(Math.Sqrt((first * first) + 1), scheduler.InitialNoiseSigma, 12);
    }

    [Fact]
    public void ScaleModelInput_DividesBySqrtOfSigmaSquaredPlusOne()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 10);
        using var sample = tensor(new[] { 3.0f }, [1, 1, 1, 1]);

        using var scaled = scheduler.ScaleModelInput(sample, 4);

        var sigma = scheduler.Sigmas[4];
        Assert.Equal(3.0 / Math.Sqrt((sigma * sigma) + 1), scaled.item<float>(), 5);
    }

    [Fact]
    public void Step_OneStep_EqualsTheAncestralClosedFormWithTheGeneratorsNoise()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 10);
        using var sample = tensor(new[] { 4.0f, -2.0f, 1.0f }, [1, 1, 1, 3]);
        using var prediction = tensor(new[] { 0.5f, 0.25f, -1.0f }, [1, 1, 1, 3]);
        using var generator = SeededNoise.CreateGenerator(7);
        using var replay = SeededNoise.CreateGenerator(7);

        using var result = scheduler.Step(prediction, 2, sample, generator);

        using var noise = SeededNoise.Like(sample, replay);
        var (sigma, next) = (scheduler.Sigmas[2], scheduler.Sigmas[3]);
        var up = Math.Sqrt(next * next * ((sigma * sigma) - (next * next)) / (sigma * sigma));
        var down = Math.Sqrt((next * next) - (up * up));
        var values = result.data<float>().ToArray();
        var (x, eps, z) = (sample.data<float>().ToArray(), prediction.data<float>().ToArray(),
            noise.data<float>().ToArray());
        for (var index = 0; index < 3; index++)
        {
            var original = x[index] - (sigma * eps[index]);
            var derivative = (x[index] - original) / sigma;
            Assert.Equal(x[index] + (derivative * (down - sigma)) + (z[index] * up), values[index], 4);
        }
    }

    [Fact]
    public void Step_LastStep_AddsNoNoise()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 10);
        using var sample = tensor(new[] { 1.0f, 2.0f }, [1, 1, 1, 2]);
        using var prediction = tensor(new[] { 0.5f, -0.5f }, [1, 1, 1, 2]);
        using var generator = SeededNoise.CreateGenerator(1);

        using var result = scheduler.Step(prediction, 9, sample, generator);

        var sigma = scheduler.Sigmas[9];
        Assert.Equal(1.0 - (0.5 * sigma), result.data<float>()[0], 5);
        Assert.Equal(2.0 + (0.5 * sigma), result.data<float>()[1], 5);
    }

    [Fact]
    public void Step_WithoutGenerator_Throws()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 10);
        using var sample = zeros(1, 1, 1, 1);

        Assert.Throws<ArgumentNullException>(() => scheduler.Step(sample, 0, sample, null));
    }

    [Fact]
    public void AddNoise_AddsSigmaTimesNoise()
    {
        var scheduler = new EulerAncestralScheduler(s_schedule, 10);
        using var clean = tensor(new[] { 1.0f }, [1, 1, 1, 1]);
        using var noise = tensor(new[] { 2.0f }, [1, 1, 1, 1]);

        using var noised = scheduler.AddNoise(clean, noise, 7);

        Assert.Equal(1 + (2 * scheduler.Sigmas[7]), noised.item<float>(), 4);
    }
}
