using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Network;

public sealed class TinyBeautyNetTests
{
    private static readonly TinyBeautyNetOptions s_tiny = new()
    {
        Width = 4,
        EncoderResidualBlocks = 1,
        DecoderResidualBlocks = 1,
    };

    [Fact]
    public void StateDict_Official_MatchesDescribedNamesShapesAndOrder()
    {
        using var network = new TinyBeautyNet();

        var actual = network.state_dict().Select(entry => (entry.Key, Shape: entry.Value.shape)).ToList();
        var expected = TinyBeautyNetOptions.Official.DescribeParameters();

        Assert.Equal(expected.Select(item => item.Name), actual.Select(item => item.Key));
        for (var index = 0; index < expected.Count; index++)
        {
            Assert.Equal(expected[index].Shape.Select(dimension => (long)dimension), actual[index].Shape);
        }
    }

    [ReferenceFact("reference/tinybeauty-official/keys-style1.tsv")]
    public void StateDict_Official_MatchesTheOfficialKeyTable()
    {
        using var network = new TinyBeautyNet();
        var table = File.ReadAllLines(ReferenceData.Official("keys-style1.tsv"))
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .Select(fields => $"{fields[0]} {fields[1]}");

        var actual = network.state_dict()
            .Select(entry => $"{entry.Key} {string.Join('x', entry.Value.shape)}");

        Assert.Equal(table, actual);
    }

    [Fact]
    public void ParameterCount_Official_Is85227()
    {
        using var network = new TinyBeautyNet();

        Assert.Equal(85_227, network.ParameterCount);
        Assert.Equal(TinyBeautyNetOptions.Official.CountParameters(), network.ParameterCount);
    }

    [Fact]
    public void EstimateMultiplyAdds_Official256_IsAbout1Point48Billion()
    {
        var multiplyAdds = TinyBeautyNetOptions.Official.EstimateMultiplyAdds(256, 256);

        Assert.InRange(multiplyAdds, 1.48e9 * 0.98, 1.48e9 * 1.02);
    }

    [Theory]
    [InlineData(255, 256)]
    [InlineData(4, 8)]
    public void EstimateMultiplyAdds_BadSide_Throws(int height, int width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => TinyBeautyNetOptions.Official.EstimateMultiplyAdds(height, width));
    }

    [Theory]
    [InlineData(1, 3, 30, 32)]
    [InlineData(1, 4, 32, 32)]
    [InlineData(1, 3, 4, 4)]
    public void Forward_BadShape_ThrowsNamingTheShape(long n, long c, long h, long w)
    {
        using var network = new TinyBeautyNet(s_tiny);
        using var input = zeros(n, c, h, w);

        var exception = Assert.Throws<ArgumentException>(() => network.forward(input));

        Assert.Contains($"[{n}, {c}, {h}, {w}]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_Batch_HasInputShapeAndTanhRange()
    {
        using var network = new TinyBeautyNet(s_tiny);
        using var input = rand(2, 3, 24, 16) * 2 - 1;

        using var output = network.forward(input);

        Assert.Equal([2L, 3, 24, 16], output.shape);
        Assert.True(output.abs().max().ToSingle() < 1f);
    }

    [Fact]
    public void Forward_TinyNetwork_MatchesFloat64Reference()
    {
        torch.manual_seed(1234);
        using var network = new TinyBeautyNet(s_tiny);
        var weights = network.ExportWeights();
        var reference = new ReferenceNetwork(s_tiny, weights);
        using var input = rand(2, 3, 16, 16) * 2 - 1;

        using var output = network.forward(input);

        var actual = output.data<float>().ToArray();
        var values = input.data<float>().ToArray();
        var plane = 3 * 16 * 16;
        for (var sample = 0; sample < 2; sample++)
        {
            var image = new Map(3, 16, 16);
            for (var index = 0; index < plane; index++)
            {
                image.Data[index] = values[(sample * plane) + index];
            }

            var expected = reference.Forward(image);
            for (var index = 0; index < plane; index++)
            {
                Assert.Equal(expected.Data[index], actual[(sample * plane) + index], 1e-5);
            }
        }
    }

    [Fact]
    public void LoadWeights_ExportedWeights_RoundTripsExactly()
    {
        using var source = new TinyBeautyNet(s_tiny);
        using var target = new TinyBeautyNet(s_tiny);
        var weights = source.ExportWeights();

        target.LoadWeights(weights);

        var copied = target.ExportWeights();
        Assert.Equal(weights.Keys, copied.Keys);
        foreach (var tensor in weights.Tensors)
        {
            Assert.Equal(tensor.Data, copied[tensor.Name].Data);
        }

        using var input = rand(1, 3, 16, 16);
        using var expected = source.forward(input);
        using var actual = target.forward(input);
        Assert.True(expected.equal(actual).all().item<bool>());
    }

    [Fact]
    public void LoadWeights_WrongShape_ThrowsAndNamesTheTensor()
    {
        using var network = new TinyBeautyNet(s_tiny);
        var weights = new StateDictionary();
        foreach (var tensor in network.ExportWeights().Tensors)
        {
            weights.Add(tensor.Name == "out.conv.bias" ? new NamedTensor(tensor.Name, [4], new float[4]) : tensor);
        }

        var exception = Assert.Throws<InvalidDataException>(() => network.LoadWeights(weights));

        Assert.Contains("out.conv.bias", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_InsideCallerScope_LeavesOnlyTheResult()
    {
        using var network = new TinyBeautyNet(s_tiny);
        using var input = rand(1, 3, 16, 16);
        using var scope = NewDisposeScope();

        var output = network.forward(input);

        Assert.Equal(1, scope.DisposablesCount);
        Assert.False(output.IsInvalid);
    }
}
