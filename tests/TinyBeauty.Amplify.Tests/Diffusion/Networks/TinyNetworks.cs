using TinyBeauty.Amplify.Diffusion.Networks;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

/// <summary>Seeded inputs and weights for the tiny networks.</summary>
internal static class TinyNetworks
{
    /// <summary>Sets every parameter to seeded normal values x 0.2 (so zero-initialized layers act too).</summary>
    public static T Randomize<T>(T network, long seed)
        where T : nn.Module
    {
        var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var parameter in network.parameters())
        {
            using var values = randn(parameter.shape, generator: generator) * 0.2;
            parameter.copy_(values);
        }

        return network;
    }

    /// <summary>Seeded standard normal values.</summary>
    public static Tensor Normal(long seed, params long[] shape) =>
        randn(shape, generator: new Generator((ulong)seed));

    /// <summary>Asserts that two tensors hold exactly the same shape and values.</summary>
    public static void AssertIdentical(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), "The tensors differ.");
    }

    /// <summary>Asserts equal shapes and values that differ by at most <paramref name="tolerance"/>.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= tolerance, $"The tensors differ by {difference}, more than {tolerance}.");
    }

    /// <summary>The named parameters as rows for <see cref="KeyTable.AssertMatches"/>.</summary>
    public static IEnumerable<(string, long[])> Rows(nn.Module network) =>
        network.named_parameters().Select(pair => (pair.name, pair.parameter.shape));

    /// <summary>Writes a network's parameters with edits, for loader tests.</summary>
    public static void WriteEdited(
        nn.Module network,
        string path,
        Func<List<(string Name, Tensor Tensor)>, List<(string Name, Tensor Tensor)>> edit,
        ScalarType storedType = ScalarType.Float32)
    {
        var tensors = network.named_parameters().Select(pair => (pair.name, (Tensor)pair.parameter)).ToList();
        DiffusionWeights.WriteSafeTensors(path, edit(tensors), storedType);
    }
}
