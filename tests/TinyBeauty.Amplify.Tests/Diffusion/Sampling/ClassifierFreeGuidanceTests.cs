using TinyBeauty.Amplify.Diffusion.Sampling;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Sampling;

public sealed class ClassifierFreeGuidanceTests
{
    [Fact]
    public void Combine_ScaleTwoAndAHalf_IsUnconditionalPlusScaledDifference()
    {
        using var unconditional = tensor(new[] { 1.0f, -2.0f, 0.5f });
        using var conditional = tensor(new[] { 3.0f, -1.0f, 0.5f });

        using var guided = ClassifierFreeGuidance.Combine(unconditional, conditional, 2.5);

        Assert.Equal([6.0f, 0.5f, 0.5f], guided.data<float>().ToArray());
    }

    [Fact]
    public void Combine_ScaleOneAndZero_GiveConditionalAndUnconditional()
    {
        using var unconditional = tensor(new[] { 1.0f, 2.0f });
        using var conditional = tensor(new[] { -4.0f, 8.0f });

        using var one = ClassifierFreeGuidance.Combine(unconditional, conditional, 1);
        using var zero = ClassifierFreeGuidance.Combine(unconditional, conditional, 0);

        Assert.Equal(conditional.data<float>().ToArray(), one.data<float>().ToArray());
        Assert.Equal(unconditional.data<float>().ToArray(), zero.data<float>().ToArray());
    }

    [Fact]
    public void Combine_BadArguments_Throw()
    {
        using var a = zeros(2);
        using var b = zeros(3);

        Assert.Throws<ArgumentException>(() => ClassifierFreeGuidance.Combine(a, b, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassifierFreeGuidance.Combine(a, a, double.NaN));
    }
}
