using TinyBeauty.Amplify.Diffusion.Pipeline;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionGenerateOptionsTests
{
    [Fact]
    public void Defaults_AreThePapersSettings()
    {
        var options = new DiffusionGenerateOptions();

        Assert.Equal((512, 10, 0.3), (options.Size, options.Steps, options.Strength));
        Assert.Equal(0.8, options.Synthesis.UnconditionalBranch.LoraScale);
        Assert.Equal(2.5, options.Synthesis.ConditionalBranch.GuidanceScale);
        options.Validate();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Validate_StrengthOutsideZeroToOne_Throws(double strength)
    {
        var options = new DiffusionGenerateOptions { Strength = strength };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }
}
