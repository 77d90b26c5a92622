using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class DdimSchedulerTests
{
    private static readonly NoiseSchedule s_schedule = NoiseSchedule.StableDiffusion15;

    [Theory]
    [InlineData(0, 901, 801)]
    [InlineData(5, 401, 301)]
    [InlineData(9, 1, 0)]
    public void Step_OneStep_EqualsTheClosedForm(int stepIndex, int timestep, int previousForAlpha)
    {
        var scheduler = new DdimScheduler(s_schedule, 10);
        float[] sample = [0.5f, -1.25f, 2.0f, 0.0f];
        float[] noise = [0.1f, 0.3f, -0.7f, 1.5f];
        using var sampleTensor = tensor(sample, [1, 1, 2, 2]);
        using var noiseTensor = tensor(noise, [1, 1, 2, 2]);

        using var result = scheduler.Step(noiseTensor, stepIndex, sampleTensor, generator: null);

        var alpha = s_schedule.AlphasCumulativeProduct[timestep];
        var previous = s_schedule.AlphasCumulativeProduct[previousForAlpha];
        var values = result.data<float>().ToArray();
        for (var index = 0; index < sample.Length; index++)
        {
            var original = (sample[index] - (Math.Sqrt(1 - alpha) * noise[index])) / Math.Sqrt(alpha);
            var expected = (Math.Sqrt(previous) * original) + (Math.Sqrt(1 - previous) * noise[index]);
            Assert.Equal(expected, values[index], 5);
        }
    }

    [Fact]
    public void PreviousAlphaCumulative_LastStep_FallsBackToAlphaBarZero()
    {
        var scheduler = new DdimScheduler(s_schedule, 50);

        Assert.Equal(s_schedule.AlphasCumulativeProduct[961], scheduler.PreviousAlphaCumulative(0));
        Assert.Equal(s_schedule.AlphasCumulativeProduct[0], scheduler.PreviousAlphaCumulative(49));
        Assert.Equal(1.0, scheduler.InitialNoiseSigma);
    }

    [Fact]
    public void Step_NoiseIsTheTrueNoise_RecoversTheCleanSignalAtTheEnd()
    {
        // Noising x0 to t = 1 and stepping with the exact noise lands on sqrt(a_0) x0 + sqrt(1 - a_0) eps.
        var scheduler = new DdimScheduler(s_schedule, 10);
        using var clean = tensor(new[] { 0.25f, -0.5f }, [1, 1, 1, 2]);
        using var noise = tensor(new[] { 1.0f, -2.0f }, [1, 1, 1, 2]);
        using var noised = scheduler.AddNoise(clean, noise, 9);

        using var result = scheduler.Step(noise, 9, noised, null);

        var alpha = s_schedule.AlphasCumulativeProduct[0];
        var values = result.data<float>().ToArray();
        Assert.Equal((Math.Sqrt(alpha) * 0.25) + Math.Sqrt(1 - alpha), values[0], 5);
        Assert.Equal((Math.Sqrt(alpha) * -0.5) - (2 * Math.Sqrt(1 - alpha)), values[1], 5);
    }

    [Fact]
    public void AddNoise_StepIndexAndEnd_UseTheTimestepsAlphaOrReturnTheOriginal()
    {
        var scheduler = new DdimScheduler(s_schedule, 10);
        using var clean = tensor(new[] { 2.0f }, [1, 1, 1, 1]);
        using var noise = tensor(new[] { -1.0f }, [1, 1, 1, 1]);

        using var noised = scheduler.AddNoise(clean, noise, 0);
        using var end = scheduler.AddNoise(clean, noise, 10);

        var alpha = s_schedule.AlphasCumulativeProduct[901];
        Assert.Equal((2 * Math.Sqrt(alpha)) - Math.Sqrt(1 - alpha), noised.item<float>(), 5);
        Assert.Equal(2.0f, end.item<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.AddNoise(clean, noise, 11));
    }

    [Fact]
    public void Step_MismatchedShapes_ThrowsNamingBoth()
    {
        var scheduler = new DdimScheduler(s_schedule, 10);
        using var sample = zeros(1, 4, 2, 2);
        using var prediction = zeros(1, 4, 2, 3);

        var exception = Assert.Throws<ArgumentException>(() => scheduler.Step(prediction, 0, sample, null));

        Assert.Contains("[1, 4, 2, 3]", exception.Message, StringComparison.Ordinal);
    }
}
