using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class DiffusionSamplerTests
{
    [Theory]
    [InlineData(SchedulerKind.EulerAncestral)]
    [InlineData(SchedulerKind.Ddim)]
    public void Sample_SameSeed_ReproducesExactly(SchedulerKind kind)
    {
        var sampler = new DiffusionSampler(new DiffusionSamplerOptions { Scheduler = kind, Steps = 10, Seed = 5 });
        using var start = StartLatents();

        using var first = sampler.Sample(start, ShrinkingPredictor);
        using var second = sampler.Sample(start, ShrinkingPredictor);

        Assert.Equal(first.data<float>().ToArray(), second.data<float>().ToArray());
    }

    [Theory]
    [InlineData(SchedulerKind.EulerAncestral)]
    [InlineData(SchedulerKind.Ddim)]
    public void Sample_DifferentSeeds_Differ(SchedulerKind kind)
    {
        using var start = StartLatents();
        var options = new DiffusionSamplerOptions { Scheduler = kind, Steps = 10, Seed = 5 };

        using var first = new DiffusionSampler(options).Sample(start, ShrinkingPredictor);
        using var second = new DiffusionSampler(options with { Seed = 6 }).Sample(start, ShrinkingPredictor);

        Assert.NotEqual(first.data<float>().ToArray(), second.data<float>().ToArray());
    }

    [Fact]
    public void Sample_StrengthPointThree_RunsTheLastThreeTimestepsAndReportsProgress()
    {
        var sampler = new DiffusionSampler(new DiffusionSamplerOptions { Steps = 10, Strength = 0.3 });
        var seen = new List<(int Step, int Count, int Timestep)>();
        var predicted = new List<float>();
        using var start = StartLatents();

        using var result = sampler.Sample(
            start,
            (latents, timestep) =>
            {
                predicted.Add(timestep.item<float>());
                return zeros_like(latents);
            },
            onStep: progress => seen.Add((progress.Step, progress.StepCount, progress.Timestep)));

        Assert.Equal([201, 101, 1], sampler.RunTimesteps);
        Assert.Equal([201f, 101f, 1f], predicted);
        Assert.Equal([(1, 3, 201), (2, 3, 101), (3, 3, 1)], seen);
    }

    [Fact]
    public void Sample_DdimWithExactNoise_StartsFromTheClosedFormNoisedLatents()
    {
        // A predictor that returns the true start noise makes DDIM land on sqrt(a_0) x0 + sqrt(1 - a_0) eps.
        var options = new DiffusionSamplerOptions { Scheduler = SchedulerKind.Ddim, Steps = 10, Seed = 3 };
        using var start = StartLatents();
        using var generator = SeededNoise.CreateGenerator(3);
        using var noise = SeededNoise.Like(start, generator);

        using var result = new DiffusionSampler(options).Sample(start, (latents, _) => noise.clone());

        var alpha = options.Schedule.AlphasCumulativeProduct[0];
        using var expected = (Math.Sqrt(alpha) * start) + (Math.Sqrt(1 - alpha) * noise);
        Assert.True(result.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Sample_GuidanceScale_CallsBothPredictorsAndCombinesThem()
    {
        var options = new DiffusionSamplerOptions { Scheduler = SchedulerKind.Ddim, Steps = 5, GuidanceScale = 3 };
        using var start = StartLatents();
        var unconditionalCalls = 0;

        using var guided = new DiffusionSampler(options).Sample(
            start,
            (latents, _) => full_like(latents, 0.3),
            (latents, _) =>
            {
                unconditionalCalls++;
                return full_like(latents, 0.1);
            });
        using var direct = new DiffusionSampler(options with { GuidanceScale = 1 }).Sample(
            start, (latents, _) => full_like(latents, 0.1 + (3 * 0.2)));

        Assert.Equal(5, unconditionalCalls);
        Assert.True(guided.allclose(direct, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Sample_KeepMask_LeavesTheStartLatentsExactlyOutsideTheMask()
    {
        var sampler = new DiffusionSampler(new DiffusionSamplerOptions { Steps = 10, Seed = 11 });
        using var start = StartLatents();
        using var mask = zeros(1, 1, 4, 4);
        mask[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(1, 3), TensorIndex.Slice(1, 3)].fill_(1);

        using var result = sampler.Sample(start, ShrinkingPredictor, keepMask: mask);

        using var outside = mask.eq(0).expand_as(start);
        Assert.Equal(start.masked_select(outside).data<float>().ToArray(),
            result.masked_select(outside).data<float>().ToArray());
        using var inside = mask.eq(1).expand_as(start);
        Assert.NotEqual(start.masked_select(inside).data<float>().ToArray(),
            result.masked_select(inside).data<float>().ToArray());
    }

    [Fact]
    public void Sample_StrengthZero_ReturnsACopyOfTheStart()
    {
        var sampler = new DiffusionSampler(new DiffusionSamplerOptions { Strength = 0 });
        using var start = StartLatents();

        using var result = sampler.Sample(start, (_, _) => throw new InvalidOperationException("not called"));

        Assert.Equal(start.data<float>().ToArray(), result.data<float>().ToArray());
    }

    [Fact]
    public void Sample_CancelledDuringTheRun_Throws()
    {
        var sampler = new DiffusionSampler(new DiffusionSamplerOptions { Steps = 10 });
        using var cancellation = new CancellationTokenSource();
        using var start = StartLatents();
        var steps = 0;

        Assert.Throws<OperationCanceledException>(() => sampler.Sample(
            start,
            ShrinkingPredictor,
            onStep: _ =>
            {
                if (++steps == 2)
                {
                    cancellation.Cancel();
                }
            },
            cancellationToken: cancellation.Token));
        Assert.Equal(2, steps);
    }

    [Fact]
    public void Sample_PredictorReturnsWrongShape_ThrowsNamingIt()
    {
        var sampler = new DiffusionSampler(new DiffusionSamplerOptions { Steps = 2 });
        using var start = StartLatents();

        var exception = Assert.Throws<ArgumentException>(() => sampler.Sample(start, (_, _) => zeros(1, 4, 2, 2)));

        Assert.Equal("conditional", exception.ParamName);
    }

    [Theory]
    [InlineData(0, 1.0, 1.0)]
    [InlineData(10, 1.5, 1.0)]
    [InlineData(10, 1.0, -1.0)]
    public void Constructor_BadOptions_Throw(int steps, double strength, double guidance)
    {
        var options = new DiffusionSamplerOptions { Steps = steps, Strength = strength, GuidanceScale = guidance };

        Assert.Throws<ArgumentOutOfRangeException>(() => new DiffusionSampler(options));
    }

    private static Tensor ShrinkingPredictor(Tensor latents, Tensor timestep) => latents * 0.1;

    private static Tensor StartLatents() => arange(64, ScalarType.Float32).reshape(1, 4, 4, 4).div(10);
}
