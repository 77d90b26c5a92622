using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Network;

public sealed class TrainingTests
{
    [Fact]
    public void AdamSteps_TinyPair_LowerTheL1Loss()
    {
        torch.manual_seed(42);
        var options = new TinyBeautyNetOptions { Width = 4, EncoderResidualBlocks = 1, DecoderResidualBlocks = 1 };
        using var network = new TinyBeautyNet(options);
        using var input = rand(2, 3, 16, 16) * 2 - 1;
        using var target = (rand(2, 3, 16, 16) - 0.5) * 0.5;
        using var optimizer = optim.Adam(network.parameters(), lr: 0.01);
        var losses = new List<float>();

        for (var step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.l1_loss(network.forward(input), target);
            loss.backward();
            optimizer.step();
            losses.Add(loss.ToSingle());
        }

        Assert.True(losses[^1] < 0.8f * losses[0], $"L1 loss went from {losses[0]} to {losses[^1]}.");
        Assert.All(losses, loss => Assert.True(float.IsFinite(loss)));
    }
}
