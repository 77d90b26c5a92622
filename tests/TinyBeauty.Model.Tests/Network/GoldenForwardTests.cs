using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Testing;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Network;

public sealed class GoldenForwardTests
{
    private const string Checkpoint = "reference/tinybeauty-official/style1.pt";

    private const string Input = "reference/tinybeauty-official/input_style1_01_1x3x256x256.f32";

    private const string Residual = "reference/tinybeauty-official/residual_style1_01_1x3x256x256.f32";

    [ReferenceFact(Checkpoint, Input, Residual)]
    public void Forward_OfficialStyle1_MatchesTheOfficialResidual()
    {
        var weights = PyTorchCheckpoint.Load(ReferenceData.Official("style1.pt"));
        using var network = new TinyBeautyNet();
        network.LoadWeights(weights);
        network.eval();
        var values = ReferenceData.ReadFloat32(ReferenceData.Official("input_style1_01_1x3x256x256.f32"));
        var expected = ReferenceData.ReadFloat32(ReferenceData.Official("residual_style1_01_1x3x256x256.f32"));
        using var input = tensor(values, [1, 3, 256, 256]);

        using var noGrad = no_grad();
        using var output = network.forward(input);

        var actual = output.data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        var largest = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest <= 1e-5f, $"The largest difference from the official residual is {largest}.");
        Assert.Equal(-0.019944457f, actual[(1 * 65536) + (128 * 256) + 128], 1e-5f);
    }
}
