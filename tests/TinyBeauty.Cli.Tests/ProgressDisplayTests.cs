namespace TinyBeauty.Cli.Tests;

/// <summary>Checks the progress line that train, amplify render, finetune and generate share.</summary>
public sealed class ProgressDisplayTests
{
    [Fact]
    public void Format_AllParts_PutsLeadBarCountDetailsAndEtaInOrder()
    {
        var line = ProgressDisplay.Format("epoch 1/2", "step", 5, 20, "loss 0.1000", TimeSpan.FromSeconds(75));

        Assert.Equal("epoch 1/2 [#####...............] step 5/20 loss 0.1000 eta 1:15", line);
    }

    [Fact]
    public void Format_NoLeadNorDetails_LeavesThemOut()
    {
        var line = ProgressDisplay.Format(null, "photo", 1, 3, "", TimeSpan.FromMinutes(200));

        Assert.Equal("[######..............] photo 1/3 eta 3:20:00", line);
    }

    [Theory]
    [InlineData(0, 10, "[....................]")]
    [InlineData(10, 10, "[####################]")]
    [InlineData(15, 10, "[####################]")]
    [InlineData(-1, 10, "[....................]")]
    [InlineData(3, 0, "[....................]")]
    public void Bar_AnyCount_StaysTwentyWideAndWithinTheTotal(long done, long total, string expected) =>
        Assert.Equal(expected, ProgressDisplay.Bar(done, total));

    [Theory]
    [InlineData(0, "0:00")]
    [InlineData(59, "0:59")]
    [InlineData(3599, "59:59")]
    [InlineData(3600, "1:00:00")]
    [InlineData(90000, "25:00:00")]
    [InlineData(-5, "0:00")]
    public void Duration_Seconds_UsesMinutesBelowAnHourAndCountsHoursPastADay(int seconds, string expected) =>
        Assert.Equal(expected, ProgressDisplay.Duration(TimeSpan.FromSeconds(seconds)));
}
