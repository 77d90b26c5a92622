using TinyBeauty.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Network;

public sealed class LayersTests
{
    [Fact]
    public void SampleLayerNorm_TwoValues_MatchesHandComputation()
    {
        using var norm = new SampleLayerNorm(1);
        using (no_grad())
        {
            norm.parameters().First().fill_(2.0);
            norm.parameters().Last().fill_(0.5);
        }

        using var input = tensor(new float[] { 1, 3 }, [1, 1, 1, 2]);

        using var output = norm.forward(input);

        // mean 2, unbiased std sqrt(2); y = (x - 2) / (sqrt(2) + 1e-5) * 2 + 0.5.
        var scaled = 2 / (Math.Sqrt(2) + 1e-5);
        var values = output.data<float>().ToArray();
        Assert.Equal(0.5 - scaled, values[0], 1e-6);
        Assert.Equal(0.5 + scaled, values[1], 1e-6);
    }

    [Fact]
    public void SampleLayerNorm_Batch_NormalizesEachSampleOverAllChannels()
    {
        torch.manual_seed(7);
        using var norm = new SampleLayerNorm(3);
        using var input = randn(2, 3, 4, 5) * 3 + 1;
        var gamma = norm.parameters().First().data<float>().Select(value => (double)value).ToArray();
        var beta = new double[3];

        using var output = norm.forward(input);

        var values = input.data<float>().ToArray();
        var actual = output.data<float>().ToArray();
        for (var sample = 0; sample < 2; sample++)
        {
            var map = new Map(3, 4, 5);
            for (var index = 0; index < 60; index++)
            {
                map.Data[index] = values[(sample * 60) + index];
            }

            var expected = ReferenceNetwork.LayerNorm(map, gamma, beta);
            for (var index = 0; index < 60; index++)
            {
                Assert.Equal(expected.Data[index], actual[(sample * 60) + index], 1e-5);
            }
        }
    }

    [Fact]
    public void ReflectionPad_Edge_DoesNotRepeatTheEdgePixel()
    {
        using var pad = nn.ReflectionPad2d(2);
        using var input = tensor(new float[] { 1, 2, 3 }, [1, 1, 1, 3]).expand(1, 1, 3, 3).contiguous();

        using var output = pad.forward(input);

        var row = output[0, 0, 0].data<float>().ToArray();
        Assert.Equal([3f, 2, 1, 2, 3, 2, 1], row);
        var map = new Map(1, 3, 3);
        for (var index = 0; index < map.Data.Length; index++)
        {
            map.Data[index] = (index % 3) + 1;
        }

        var expected = ReferenceNetwork.ReflectPad(map, 2);
        Assert.Equal(expected.Data.Take(7).Select(value => (float)value), row);
    }

    [Fact]
    public void Upsample_Nearest2x_CopiesEachPixelIntoA2x2Block()
    {
        using var upsample = nn.Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest);
        using var input = tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 2, 2]);

        using var output = upsample.forward(input);

        Assert.Equal([1f, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], output.data<float>().ToArray());
    }
}
