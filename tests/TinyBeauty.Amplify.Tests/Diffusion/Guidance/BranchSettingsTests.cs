using TinyBeauty.Amplify.Diffusion.Guidance;

namespace TinyBeauty.Amplify.Tests.Diffusion.Guidance;

public sealed class BranchSettingsTests
{
    [Theory]
    [InlineData(-1.0, 0.8, "GuidanceScale")]
    [InlineData(double.NaN, 0.8, "GuidanceScale")]
    [InlineData(2.5, double.PositiveInfinity, "LoraScale")]
    public void Validate_OutOfRange_ThrowsNamingTheSetting(double guidance, double lora, string name)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new BranchSettings(guidance, lora).Validate());

        Assert.Equal(name, exception.ParamName);
    }

    [Fact]
    public void Validate_NoGuidance_IsAccepted()
    {
        new BranchSettings(null, 0.8).Validate();
    }
}
