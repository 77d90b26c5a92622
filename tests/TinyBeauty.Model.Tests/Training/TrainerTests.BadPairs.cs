using TinyBeauty.Model.Training;

namespace TinyBeauty.Model.Tests.Training;

/// <content>Pairs that cannot be read in the middle of a run.</content>
public sealed partial class TrainerTests
{
    [Fact]
    public void Train_UnreadablePair_IsReplacedAndReportedAndTheRunFinishes()
    {
        var pairs = new SyntheticPairs(4);
        pairs.Unreadable.Add(2);
        var reports = new List<TrainingProgress>();

        var result = new Trainer(Options(epochs: 3)).Train(pairs, null, _folder, new Recorder(reports.Add));

        Assert.Equal(6, result.Steps);
        Assert.True(File.Exists(result.ModelPath));
        var skipped = Assert.Single(result.SkippedPairs);
        Assert.Equal((2, "synthetic-2"), (skipped.Index, skipped.Name));
        Assert.Contains("synthetic pair 2 is corrupt", skipped.Reason, StringComparison.Ordinal);
        Assert.InRange(skipped.Step, 1, 2);
        Assert.Equal(1, reports[^1].SkippedPairs);
    }

    [Fact]
    public void Train_UnreadablePair_IsReplacedTheSameWayOnResume()
    {
        var straight = Path.Combine(_folder, "straight");
        var resumed = Path.Combine(_folder, "resumed");
        var pairs = new SyntheticPairs(4);
        pairs.Unreadable.Add(1);
        var threads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        try
        {
            new Trainer(Options(epochs: 3)).Train(pairs, null, straight);
            using var cancel = new CancellationTokenSource();
            var stopAfterThree = new Recorder(report =>
            {
                if (report.Step == 3)
                {
                    cancel.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(
                () => new Trainer(Options(epochs: 3)).Train(pairs, null, resumed, stopAfterThree, cancel.Token));
            new Trainer(Options(epochs: 3) with { Resume = true }).Train(pairs, null, resumed);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        Assert.Equal(
            File.ReadAllBytes(Path.Combine(straight, Trainer.CheckpointFileName)),
            File.ReadAllBytes(Path.Combine(resumed, Trainer.CheckpointFileName)));
    }

    [Fact]
    public void Train_UnreadablePairWithStopOnBadPair_ThrowsNamingIt()
    {
        var pairs = new SyntheticPairs(4);
        pairs.Unreadable.Add(3);
        var trainer = new Trainer(Options(epochs: 2) with { StopOnBadPair = true });

        var exception = Assert.Throws<InvalidDataException>(() => trainer.Train(pairs, null, _folder));

        Assert.Contains("'synthetic-3'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("synthetic pair 3 is corrupt", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_NoReadablePair_ThrowsInvalidData()
    {
        var pairs = new SyntheticPairs(2);
        pairs.Unreadable.UnionWith([0, 1]);

        var exception = Assert.Throws<InvalidDataException>(
            () => new Trainer(Options(epochs: 1)).Train(pairs, null, _folder));

        Assert.Contains("None of the 2 training pairs can be read", exception.Message, StringComparison.Ordinal);
    }
}
