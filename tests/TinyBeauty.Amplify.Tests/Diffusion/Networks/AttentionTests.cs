using TinyBeauty.Amplify.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

public sealed class AttentionTests
{
    [Fact]
    public void Attend_TwoHeads_EqualsSoftmaxAttentionPerHead()
    {
        using var scope = NewDisposeScope();
        var query = TinyNetworks.Normal(1, 2, 3, 8);
        var key = TinyNetworks.Normal(2, 2, 5, 8);
        var value = TinyNetworks.Normal(3, 2, 5, 8);

        var attended = Layers.Attend(query, key, value, heads: 2);

        var expected = new List<Tensor>();
        for (var head = 0; head < 2; head++)
        {
            var columns = TensorIndex.Slice(head * 4, (head + 1) * 4);
            var q = query[.., .., columns];
            var k = key[.., .., columns];
            var v = value[.., .., columns];
            var weights = (q.matmul(k.transpose(1, 2)) / Math.Sqrt(4)).softmax(-1);
            expected.Add(weights.matmul(v));
        }

        TinyNetworks.AssertClose(cat(expected, 2), attended, 1e-5);
    }

    [Fact]
    public void SpatialSelfAttention_EqualsSingleHeadAttentionOverPositionsPlusInput()
    {
        using var attention = TinyNetworks.Randomize(new SpatialSelfAttention(4, 2, CPU), 4);
        using var scope = NewDisposeScope();
        var input = TinyNetworks.Normal(5, 1, 4, 3, 2);
        var parameters = attention.named_parameters().ToDictionary(pair => pair.name, pair => (Tensor)pair.parameter);
        Tensor Project(Tensor tokens, string name) =>
            nn.functional.linear(tokens, parameters[name + ".weight"], parameters[name + ".bias"]);

        var normed = nn.functional.group_norm(
            input,
            2,
            parameters["group_norm.weight"],
            parameters["group_norm.bias"],
            1e-6);
        var tokens = normed.reshape(1, 4, 6).transpose(1, 2);
        var weights = (Project(tokens, "to_q").matmul(Project(tokens, "to_k").transpose(1, 2)) / 2.0).softmax(-1);
        var output = Project(weights.matmul(Project(tokens, "to_v")), "to_out.0");
        var expected = output.transpose(1, 2).reshape(1, 4, 3, 2) + input;

        TinyNetworks.AssertClose(expected, attention.Forward(input), 1e-5);
    }

    [Fact]
    public void Transformer2DModel_FlippedOrTransposedInput_GivesTheSameMotionOfTheOutput()
    {
        // Norms, 1x1 convolutions and attention treat positions alike, so moving the positions of the input must move
        // the output the same way; a mixed-up token layout breaks this.
        using var transformer = TinyNetworks.Randomize(new Transformer2DModel(8, 2, 6, 2, CPU), 6);
        using var scope = NewDisposeScope();
        var input = TinyNetworks.Normal(7, 1, 8, 3, 5);
        var context = TinyNetworks.Normal(8, 1, 4, 6);

        var output = transformer.Forward(input, context);
        var flipped = transformer.Forward(input.flip(3), context);
        var transposed = transformer.Forward(input.transpose(2, 3), context);

        Assert.Equal([1L, 8, 3, 5], output.shape);
        TinyNetworks.AssertClose(output.flip(3), flipped, 1e-5);
        TinyNetworks.AssertClose(output.transpose(2, 3), transposed, 1e-5);
    }
}
