using TinyBeauty.Amplify.Diffusion.Lora;

namespace TinyBeauty.Amplify.Tests.Diffusion.Lora;

public sealed class LoraInjectionOptionsTests
{
    [Fact]
    public void Defaults_AreRankFourOnTheAttentionProjectionsWithSeedZero()
    {
        var options = new LoraInjectionOptions();

        Assert.Equal(4, options.Rank);
        Assert.Equal(["to_q", "to_k", "to_v", "to_out.0"], options.Targets);
        Assert.Equal(0L, options.Seed);
        options.Validate();
    }

    [Fact]
    public void Validate_BadSettings_ThrowNamingThem()
    {
        var rank = Assert.Throws<ArgumentOutOfRangeException>(() => new LoraInjectionOptions { Rank = 0 }.Validate());
        var targets = Assert.Throws<ArgumentException>(() => new LoraInjectionOptions { Targets = [""] }.Validate());

        Assert.Equal("Rank", rank.ParamName);
        Assert.Equal("Targets", targets.ParamName);
    }
}
