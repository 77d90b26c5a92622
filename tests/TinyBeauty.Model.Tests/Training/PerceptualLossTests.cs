using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Tests.Fixtures;
using TinyBeauty.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Tests.Training;

public sealed class PerceptualLossTests
{
    /// <summary>torchvision's VGG-16 convolutions up to relu3_3: feature index, input and output channels.</summary>
    private static readonly (int Index, int Input, int Output)[] s_convolutions =
    [
        (0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256), (14, 256, 256),
    ];

    private static readonly Lazy<StateDictionary> s_weights = new(() => RandomWeights(seed: 5));

    /// <summary>Gets one random VGG-16 state dict shared by the tests, built on first use.</summary>
    internal static StateDictionary SharedWeights => s_weights.Value;

    [Fact]
    public void FromWeights_RandomVgg_HasTorchvisionNamesAndFrozenParameters()
    {
        using var loss = PerceptualLoss.FromWeights(s_weights.Value);

        var names = loss.named_parameters().Select(pair => pair.name).ToArray();
        var expected = s_convolutions.SelectMany(conv => new[]
        {
            $"features.{conv.Index}.weight",
            $"features.{conv.Index}.bias",
        });
        Assert.Equal(expected, names);
        Assert.All(loss.parameters(), parameter => Assert.False(parameter.requires_grad));
        Assert.False(loss.training);
    }

    [Fact]
    public void Forward_IdenticalImages_IsZero()
    {
        using var loss = PerceptualLoss.FromWeights(s_weights.Value);
        torch.manual_seed(3);
        using var image = rand(2, 3, 16, 16) * 2 - 1;

        using var value = loss.forward(image, image.clone());

        Assert.Equal(0.0, value.ToDouble());
    }

    [Fact]
    public void Forward_DifferentImages_IsPositive()
    {
        using var loss = PerceptualLoss.FromWeights(s_weights.Value);
        torch.manual_seed(4);
        using var output = rand(2, 3, 16, 16) * 2 - 1;
        using var target = rand(2, 3, 16, 16) * 2 - 1;

        using var value = loss.forward(output, target);

        Assert.True(value.ToDouble() > 0, $"The loss is {value.ToDouble()}.");
    }

    [Fact]
    public void Forward_Backward_GradientReachesTheInputButNotVgg()
    {
        using var loss = PerceptualLoss.FromWeights(s_weights.Value);
        torch.manual_seed(6);
        using var output = (rand(1, 3, 16, 16) * 2 - 1).requires_grad_(true);
        using var target = rand(1, 3, 16, 16) * 2 - 1;

        using var value = loss.forward(output, target);
        value.backward();

        using var gradient = output.grad!;
        Assert.True(gradient.abs().sum().ToDouble() > 0);
        Assert.All(loss.parameters(), parameter => Assert.Null(parameter.grad));
    }

    [Fact]
    public void Features_Input_IsMappedFromMinusOneToOneOntoImageNetNormalization()
    {
        using var loss = PerceptualLoss.FromWeights(s_weights.Value);
        torch.manual_seed(8);
        using var image = rand(1, 3, 8, 8) * 2 - 1;
        using var mean = tensor(new float[] { 0.485f, 0.456f, 0.406f }, [1, 3, 1, 1]);
        using var deviation = tensor(new float[] { 0.229f, 0.224f, 0.225f }, [1, 3, 1, 1]);
        using var normalized = (((image + 1) / 2) - mean) / deviation;
        var vgg = (nn.Module<Tensor, Tensor>)loss.named_children().Single(child => child.name == "features").module;
        using var expected = vgg.forward(normalized);

        using var actual = loss.Features(image);

        Assert.Equal([1L, 256, 2, 2], actual.shape);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void To_Float64_KeepsTheParametersFrozen()
    {
        using var loss = PerceptualLoss.FromWeights(SharedWeights);
        loss.to(ScalarType.Float64);
        torch.manual_seed(10);
        using var output = (rand(1, 3, 8, 8, dtype: ScalarType.Float64) * 2 - 1).requires_grad_(true);
        using var target = rand(1, 3, 8, 8, dtype: ScalarType.Float64) * 2 - 1;

        using var value = loss.forward(output, target);
        value.backward();

        Assert.Equal(ScalarType.Float64, value.dtype);
        Assert.All(loss.parameters(), parameter => Assert.False(parameter.requires_grad));
        Assert.All(loss.parameters(), parameter => Assert.Null(parameter.grad));
    }

    [Fact]
    public void FromWeights_MissingKey_ThrowsNamingIt()
    {
        var weights = new StateDictionary();
        foreach (var tensor in s_weights.Value.Values.Where(tensor => tensor.Name != "features.7.bias"))
        {
            weights.Add(tensor);
        }

        var exception = Assert.Throws<InvalidDataException>(() => PerceptualLoss.FromWeights(weights));

        Assert.Contains("'features.7.bias'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromWeights_MisshapedKey_ThrowsNamingItAndBothShapes()
    {
        var weights = new StateDictionary();
        foreach (var tensor in s_weights.Value.Values)
        {
            weights.Add(tensor.Name == "features.2.weight"
                ? new NamedTensor(tensor.Name, [64, 64, 1, 9], tensor.Data)
                : tensor);
        }

        var exception = Assert.Throws<InvalidDataException>(() => PerceptualLoss.FromWeights(weights));

        Assert.Contains("'features.2.weight'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("64x64x1x9", exception.Message, StringComparison.Ordinal);
        Assert.Contains("64x64x3x3", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TorchSaveArchive_MatchesFromWeights()
    {
        var weights = s_weights.Value;
        var path = WriteCheckpoint(weights);
        try
        {
            using var fromFile = PerceptualLoss.Load(path);
            using var fromMemory = PerceptualLoss.FromWeights(weights);
            torch.manual_seed(9);
            using var output = rand(1, 3, 8, 8) * 2 - 1;
            using var target = rand(1, 3, 8, 8) * 2 - 1;

            using var expected = fromMemory.forward(output, target);
            using var actual = fromFile.forward(output, target);

            Assert.Equal(expected.ToDouble(), actual.ToDouble(), 1e-7);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Writes the weights as a torch.save zip checkpoint in the temporary folder; returns its path.</summary>
    internal static string WriteCheckpoint(StateDictionary weights)
    {
        var builder = new TorchArchiveBuilder().Global("collections", "OrderedDict").Op((byte)')', (byte)'R');
        var storage = 0;
        foreach (var tensor in weights.Values)
        {
            var strides = new int[tensor.Shape.Length];
            var stride = 1;
            for (var axis = tensor.Shape.Length - 1; axis >= 0; axis--)
            {
                strides[axis] = stride;
                stride *= tensor.Shape[axis];
            }

            builder.String(tensor.Name)
                .Tensor(
                    "FloatStorage",
                    (storage++).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    TorchArchiveBuilder.Float32Bytes(tensor.Data),
                    tensor.Data.Length,
                    0,
                    tensor.Shape,
                    strides)
                .SetItem();
        }

        var path = Path.Combine(Path.GetTempPath(), $"vgg16-{Guid.NewGuid():N}.pt");
        File.WriteAllBytes(path, builder.Build());
        return path;
    }

    /// <summary>
    /// A torchvision-shaped VGG-16 state dict with He-scaled random weights, plus a deeper feature layer and a
    /// classifier tensor that the loss must ignore.
    /// </summary>
    internal static StateDictionary RandomWeights(int seed)
    {
        var random = new Random(seed);
        var weights = new StateDictionary();
        foreach (var (index, input, output) in s_convolutions)
        {
            var scale = Math.Sqrt(2.0 / (input * 9));
            weights.Add(Normal($"features.{index}.weight", [output, input, 3, 3], scale, random));
            weights.Add(Normal($"features.{index}.bias", [output], 0.01, random));
        }

        weights.Add(Normal("features.17.bias", [512], 0.01, random));
        weights.Add(Normal("classifier.6.bias", [1000], 0.01, random));
        return weights;
    }

    private static NamedTensor Normal(string name, int[] shape, double scale, Random random)
    {
        var data = new float[shape.Aggregate(1, (product, dimension) => product * dimension)];
        for (var index = 0; index < data.Length; index++)
        {
            // Box-Muller: one standard normal value from two uniform ones.
            var radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            data[index] = (float)(scale * radius * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return new NamedTensor(name, shape, data);
    }
}
