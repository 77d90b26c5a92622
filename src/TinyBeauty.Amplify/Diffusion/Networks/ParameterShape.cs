using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>The name and shape of one parameter of a network, as its state dict lists it.</summary>
/// <param name="Name">The state-dict key, for example <c>conv_in.weight</c>.</param>
/// <param name="Shape">The dimensions, outermost first (PyTorch order: [out, in, kh, kw] for a convolution).</param>
public sealed record ParameterShape(string Name, IReadOnlyList<long> Shape)
{
    /// <summary>Gets the number of values: the product of the shape.</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary>Gets the dimensions joined by commas, for example <c>320,4,3,3</c>.</summary>
    public string FormatDimensions() => string.Join(',', Shape);

    /// <summary>Returns the name, a tab and the comma-separated dimensions: <c>conv_in.weight\t320,4,3,3</c>.</summary>
    public override string ToString() => $"{Name}\t{FormatDimensions()}";

    /// <summary>Reads the names and shapes of a module's parameters, in registration order.</summary>
    internal static IReadOnlyList<ParameterShape> Of(nn.Module module) =>
        module.named_parameters()
            .Select(pair => new ParameterShape(pair.name, pair.parameter.shape.ToArray()))
            .ToArray();
}
