using System.Collections;

namespace TinyBeauty.Model.Checkpoints;

/// <summary>
/// An ordered set of named float32 tensors: the weights of a network, as read from a checkpoint or to be written to
/// one. Insertion order is kept, so a dictionary read from an official checkpoint lists keys in checkpoint order.
/// </summary>
public sealed class StateDictionary : IReadOnlyDictionary<string, NamedTensor>
{
    private readonly Dictionary<string, NamedTensor> _byName = new(StringComparer.Ordinal);
    private readonly List<NamedTensor> _ordered = [];

    /// <summary>Gets the number of tensors.</summary>
    public int Count => _ordered.Count;

    /// <summary>Gets the tensors in insertion order.</summary>
    public IReadOnlyList<NamedTensor> Tensors => _ordered;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _ordered.Select(tensor => tensor.Name);

    /// <inheritdoc />
    public IEnumerable<NamedTensor> Values => _ordered;

    /// <summary>Gets a tensor by name.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message names it.</exception>
    public NamedTensor this[string key] =>
        _byName.TryGetValue(key, out var tensor)
            ? tensor
            : throw new KeyNotFoundException($"The state dictionary has no tensor named '{key}'.");

    /// <summary>Adds a tensor.</summary>
    /// <exception cref="ArgumentException">A tensor with the same name is already present.</exception>
    public void Add(NamedTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_byName.TryAdd(tensor.Name, tensor))
        {
            throw new ArgumentException($"The state dictionary already has a tensor named '{tensor.Name}'.");
        }

        _ordered.Add(tensor);
    }

    /// <summary>
    /// Checks that the dictionary holds exactly the parameters of a network with the given options: every name
    /// present, no extra name, every shape equal.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, extra or misshaped; its name is given.</exception>
    public void ValidateFor(TinyBeautyNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var expected = options.DescribeParameters();
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (name, shape) in expected)
        {
            expectedNames.Add(name);
            if (!_byName.TryGetValue(name, out var tensor))
            {
                throw new InvalidDataException(
                    $"The weights lack tensor '{name}' (expected shape {NamedTensor.FormatShape(shape)}).");
            }

            if (!tensor.Shape.AsSpan().SequenceEqual(shape))
            {
                throw new InvalidDataException(
                    $"Tensor '{name}' has shape {NamedTensor.FormatShape(tensor.Shape)}, "
                    + $"expected {NamedTensor.FormatShape(shape)}.");
            }
        }

        foreach (var tensor in _ordered)
        {
            if (!expectedNames.Contains(tensor.Name))
            {
                throw new InvalidDataException(
                    $"The weights hold tensor '{tensor.Name}', which this network does not have.");
            }
        }
    }

    /// <inheritdoc />
    public bool ContainsKey(string key) => _byName.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out NamedTensor value) =>
        _byName.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, NamedTensor>> GetEnumerator() =>
        _ordered.Select(tensor => KeyValuePair.Create(tensor.Name, tensor)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
