using System.Globalization;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

/// <summary>Adversarial training: the discriminator step, its checkpoint and its resume checks.</summary>
public sealed partial class TrainerTests
{
    private const string DiscriminatorWeight = "discriminator.layers.0.weight_orig";

    [Fact]
    public void Train_Adversarial_TrainsTheDiscriminatorAndLogsBothLosses()
    {
        var options = AdversarialOptions(epochs: 2);
        var early = Path.Combine(_folder, "early");
        var full = Path.Combine(_folder, "full");
        using var cancellation = new CancellationTokenSource();
        var stop = new Recorder(_ => cancellation.Cancel());
        Assert.Throws<OperationCanceledException>(
            () => new Trainer(options).Train(new SyntheticPairs(4), null, early, stop, cancellation.Token));
        var reports = new List<TrainingProgress>();

        new Trainer(options).Train(new SyntheticPairs(4), null, full, new Recorder(reports.Add));

        var first = SafeTensors.Load(Path.Combine(early, Trainer.StateFileName));
        var last = SafeTensors.Load(Path.Combine(full, Trainer.StateFileName));
        var parameters = last.Tensors
            .Where(tensor => tensor.Name.StartsWith("discriminator.layers.", StringComparison.Ordinal))
            .Where(tensor => !tensor.Name.EndsWith("_u", StringComparison.Ordinal))
            .Where(tensor => !tensor.Name.EndsWith("_v", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(6, parameters.Count);
        Assert.All(parameters, tensor => Assert.NotEqual(first[tensor.Name].Data, tensor.Data));
        Assert.Contains("discriminator.exp_avg.layers.2.weight_orig", last.Keys);
        Assert.Contains("discriminator.layers.1.weight_u", last.Keys);

        var rows = File.ReadAllLines(Path.Combine(full, Trainer.LossesFileName));
        var header = rows[0].Split(',');
        var adversarial = Array.IndexOf(header, "adversarial");
        var discriminator = Array.IndexOf(header, "discriminator");
        Assert.Equal(5, rows.Length);
        foreach (var row in rows.Skip(1).Select(row => row.Split(',')))
        {
            Assert.InRange(double.Parse(row[adversarial], CultureInfo.InvariantCulture), 1e-6, 100);
            Assert.InRange(double.Parse(row[discriminator], CultureInfo.InvariantCulture), 1e-6, 100);
        }

        Assert.All(reports, report => Assert.True(report.DiscriminatorLoss > 0 && report.Loss.Adversarial > 0));
    }

    [Fact]
    public void Train_WithoutAdversarialWeight_StoresNoDiscriminator()
    {
        new Trainer(Options(epochs: 1)).Train(new SyntheticPairs(2), null, _folder);

        var state = SafeTensors.Load(Path.Combine(_folder, Trainer.StateFileName));
        Assert.DoesNotContain(state.Keys, name => name.StartsWith("discriminator.", StringComparison.Ordinal));
        Assert.Equal("0", SafeTensors.ReadMetadata(Path.Combine(_folder, Trainer.StateFileName))["adversarial_weight"]);
    }

    [Fact]
    public void Train_AdversarialResumedAfterCancellation_EndsWithTheSameWeights()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            var straight = Path.Combine(_folder, "straight");
            var resumed = Path.Combine(_folder, "resumed");
            var options = AdversarialOptions(epochs: 3) with { ValidationFraction = 0.25 };
            new Trainer(options).Train(new SyntheticPairs(5), null, straight);

            using var cancellation = new CancellationTokenSource();
            var stop = new Recorder(report =>
            {
                if (report.Step == 4)
                {
                    cancellation.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(
                () => new Trainer(options).Train(new SyntheticPairs(5), null, resumed, stop, cancellation.Token));
            var result = new Trainer(options with { Resume = true }).Train(new SyntheticPairs(5), null, resumed);

            Assert.Equal((6L, 2L), (result.Steps, result.StepsThisCall));
            AssertSameTensors(straight, resumed, Trainer.CheckpointFileName);
            AssertSameTensors(straight, resumed, Trainer.StateFileName);
            Assert.Equal(
                File.ReadAllLines(Path.Combine(straight, Trainer.LossesFileName)),
                File.ReadAllLines(Path.Combine(resumed, Trainer.LossesFileName)));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Theory]
    [InlineData(0.1, 0.2, "adversarial_weight")]
    [InlineData(0.0, 0.1, "adversarial_weight")]
    [InlineData(0.1, 0.0, "adversarial_weight")]
    public void Train_ResumeWithOtherAdversarialWeight_ThrowsNamingIt(double saved, double resumed, string expected)
    {
        var options = AdversarialOptions(epochs: 2);
        var first = options with { Loss = options.Loss with { AdversarialWeight = saved } };
        new Trainer(first with { Epochs = 1 }).Train(new SyntheticPairs(2), null, _folder);
        var changed = new Trainer(
            options with { Loss = options.Loss with { AdversarialWeight = resumed }, Resume = true });

        var exception = Assert.Throws<ArgumentException>(() => changed.Train(new SyntheticPairs(2), null, _folder));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ResumeWithOtherDiscriminatorWidth_ThrowsNamingIt()
    {
        var options = AdversarialOptions(epochs: 1);
        new Trainer(options).Train(new SyntheticPairs(2), null, _folder);
        var changed = new Trainer(options with { DiscriminatorWidth = 8, Epochs = 2, Resume = true });

        var exception = Assert.Throws<ArgumentException>(() => changed.Train(new SyntheticPairs(2), null, _folder));

        Assert.Contains("discriminator_width", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ResumeFromLossesWithoutTheNewerColumns_FillsThemWithZero()
    {
        using var cancellation = new CancellationTokenSource();
        var stop = new Recorder(_ => cancellation.Cancel());
        var options = Options(epochs: 2);
        Assert.Throws<OperationCanceledException>(
            () => new Trainer(options).Train(new SyntheticPairs(4), null, _folder, stop, cancellation.Token));

        // The layout written before the discriminator and squared columns existed.
        var losses = Path.Combine(_folder, Trainer.LossesFileName);
        var oldRows = File.ReadAllLines(losses)
            .Select(row => string.Join(',', row.Split(',').SkipLast(2)))
            .ToArray();
        File.WriteAllLines(losses, oldRows);
        new Trainer(options with { Resume = true }).Train(new SyntheticPairs(4), null, _folder);

        var rows = File.ReadAllLines(losses);
        Assert.Equal(5, rows.Length);
        Assert.EndsWith(",discriminator,squared", rows[0], StringComparison.Ordinal);
        Assert.Equal(oldRows[1] + ",0,0", rows[1]);
        Assert.All(rows, row => Assert.Equal(10, row.Split(',').Length));
    }

    [Fact]
    public void GeneratorStep_WithDiscriminator_LeavesItsGradientsAndWeightsAlone()
    {
        manual_seed(21);
        using var network = new TinyBeautyNet(s_tiny);
        using var discriminator = new PatchDiscriminator(width: 4, depth: 2);
        var lossOptions = new MakeupLossOptions { EyelinerWeight = 0, AdversarialWeight = 0.5 };
        using var loss = new MakeupLoss(lossOptions, discriminator: discriminator);
        using var generatorOptimizer = optim.Adam(network.parameters(), 1e-3);
        using var discriminatorOptimizer = optim.Adam(discriminator.parameters(), 1e-3);
        using var scope = NewDisposeScope();
        var before = (rand(2, 3, 16, 16) * 2) - 1;
        var after = (rand(2, 3, 16, 16) * 2) - 1;
        var mask = zeros(2, 1, 16, 16);
        var styled = (before + network.forward(before)).clamp(-1, 1);
        Trainer.DiscriminatorStep(discriminator, discriminatorOptimizer, after, styled);
        var gradients = discriminator.parameters().Select(parameter => parameter.grad!.clone()).ToList();
        var weights = discriminator.parameters().Select(parameter => parameter.detach().clone()).ToList();
        var networkWeights = network.parameters().Select(parameter => parameter.detach().clone()).ToList();

        var breakdown = Trainer.GeneratorStep(loss, generatorOptimizer, styled, after, (mask, mask), before);

        Assert.True(breakdown.Adversarial > 0, $"adversarial term {breakdown.Adversarial}");
        var parameters = discriminator.parameters().ToList();
        for (var index = 0; index < parameters.Count; index++)
        {
            Assert.True(parameters[index].requires_grad, $"parameter {index} left frozen");
            Assert.True(
                parameters[index].grad!.allclose(gradients[index], rtol: 0, atol: 0), $"gradient {index} changed");
            Assert.True(parameters[index].allclose(weights[index], rtol: 0, atol: 0), $"weight {index} changed");
        }

        Assert.Contains(
            network.parameters().Zip(networkWeights),
            pair => !pair.First.allclose(pair.Second, rtol: 0, atol: 0));
    }

    [Fact]
    public void DiscriminatorStep_DetachedFake_UpdatesOnlyTheDiscriminator()
    {
        manual_seed(22);
        using var network = new TinyBeautyNet(s_tiny);
        using var discriminator = new PatchDiscriminator(width: 4, depth: 2);
        using var optimizer = optim.Adam(discriminator.parameters(), 1e-3);
        using var scope = NewDisposeScope();
        var before = (rand(2, 3, 16, 16) * 2) - 1;
        var styled = (before + network.forward(before)).clamp(-1, 1);
        var weights = discriminator.parameters().Select(parameter => parameter.detach().clone()).ToList();

        var value = Trainer.DiscriminatorStep(discriminator, optimizer, (rand(2, 3, 16, 16) * 2) - 1, styled);

        Assert.True(value > 0 && float.IsFinite(value), $"discriminator loss {value}");
        Assert.All(
            discriminator.parameters().Zip(weights),
            pair => Assert.False(pair.First.allclose(pair.Second, rtol: 0, atol: 0)));
        Assert.All(network.parameters(), parameter => Assert.True(parameter.grad is null
            || parameter.grad.count_nonzero().item<long>() == 0));
    }

    private static TrainerOptions AdversarialOptions(int epochs) => Options(epochs) with
    {
        DiscriminatorWidth = 4,
        DiscriminatorDepth = 2,
        Loss = new MakeupLossOptions { AdversarialWeight = 0.1 },
    };

    private static void AssertSameTensors(string expectedFolder, string actualFolder, string fileName)
    {
        var expected = SafeTensors.Load(Path.Combine(expectedFolder, fileName));
        var actual = SafeTensors.Load(Path.Combine(actualFolder, fileName));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var tensor in expected.Tensors)
        {
            var values = actual[tensor.Name].Data;
            for (var index = 0; index < values.Length; index++)
            {
                Assert.True(
                    Math.Abs(values[index] - tensor.Data[index]) <= 1e-6f,
                    $"{fileName} {tensor.Name}[{index}]: {values[index]} vs {tensor.Data[index]}");
            }
        }
    }
}
