using System.Collections;
using System.Reflection;
using TinyBeauty.Amplify.Diffusion.Sampling;
using TinyBeauty.Model.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Lora;

/// <summary>
/// The LoRA layers injected into a module tree (the SD1.5 UNet's attention projections, or any tree that follows
/// diffusers' module naming), keyed by module path; it sets their scale together and saves or loads their weights.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Inject"/> replaces each matching <see cref="Linear"/> by a <see cref="LoraLinear"/> in place. TorchSharp
/// modules call their children through fields, so the replacement is made in two places: the parent's registration
/// (what <c>named_modules</c>, <c>parameters</c> and <c>state_dict</c> see) and the parent's field or list that holds
/// the child (what <c>forward</c> calls). The field must be declared with a type that accepts a
/// <see cref="LoraLinear"/>, such as <c>Module&lt;Tensor, Tensor&gt;</c>; a field declared as <see cref="Linear"/>
/// cannot hold it and injection fails naming the path. Children held in a <c>ModuleList</c> or <c>Sequential</c>
/// are replaced in its list.
/// </para>
/// <para>
/// After injection every parameter of the tree is frozen except the LoRA down and up weights, so an optimizer over
/// <c>parameters()</c> filtered by <c>requires_grad</c> (or over <see cref="TrainableParameters"/>) trains only LoRA.
/// </para>
/// </remarks>
public sealed class LoraAdapter
{
    private readonly SortedDictionary<string, LoraLinear> _layers;

    private LoraAdapter(SortedDictionary<string, LoraLinear> layers)
    {
        _layers = layers;
    }

    /// <summary>Gets the injected layers by module path, in ordinal path order.</summary>
    public IReadOnlyDictionary<string, LoraLinear> Layers => _layers;

    /// <summary>
    /// Sets the scale of every layer (see <see cref="LoraLinear.Scale"/>); TinyBeauty samples with 0.8 and 0.9.
    /// </summary>
    /// <param name="scale">The factor of the low-rank updates; finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not finite.</exception>
    public void SetScale(double scale)
    {
        if (!double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The LoRA scale must be finite.");
        }

        foreach (var layer in _layers.Values)
        {
            layer.Scale = scale;
        }
    }

    /// <summary>Returns the down and up weights of every layer, in path order (down before up).</summary>
    public IEnumerable<Parameter> TrainableParameters() =>
        _layers.Values.SelectMany(layer => new[] { layer.DownWeight, layer.UpWeight });

    /// <summary>
    /// Replaces every linear module whose path matches a target suffix by a <see cref="LoraLinear"/> and freezes all
    /// other parameters of the tree.
    /// </summary>
    /// <param name="root">The module tree, for example the UNet.</param>
    /// <param name="options">Targets, rank and seed; null means the attention projections at rank 4, seed 0.</param>
    /// <returns>The injected layers.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="root"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rank exceeds a target's input or output width.</exception>
    /// <exception cref="InvalidOperationException">
    /// No module matches, a matching module is already a <see cref="LoraLinear"/> or is not a <see cref="Linear"/>,
    /// or its parent holds it in a field whose type cannot take a <see cref="LoraLinear"/>; the message names the
    /// path.
    /// </exception>
    /// <remarks>Every target is checked before the tree is changed: when this method throws, the tree is unchanged.
    /// </remarks>
    public static LoraAdapter Inject(nn.Module root, LoraInjectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        options ??= new LoraInjectionOptions();
        options.Validate();

        var modules = root.named_modules()
            .ToDictionary(entry => entry.name, entry => entry.module, StringComparer.Ordinal);
        // TorchSharp also lists a child under its field name when the field name differs from the registered one
        // (a transformer block held in a field and registered inside a list), so one module can appear under several
        // paths. Each module is adapted once, under the path its parameters are named by.
        var parameterNames = root.named_parameters().Select(entry => entry.name).ToHashSet(StringComparer.Ordinal);
        var targets = modules
            .Where(entry => options.Targets.Any(target => IsTarget(entry.Key, target)))
            .GroupBy(entry => entry.Value, ReferenceEqualityComparer.Instance)
            .Select(group => group.FirstOrDefault(entry => parameterNames.Contains(entry.Key + ".weight"))
                is { Key: not null } named ? named : group.OrderBy(entry => entry.Key, StringComparer.Ordinal).First())
            .OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .ToList();
        if (targets.Count == 0)
        {
            throw new InvalidOperationException(
                $"No module path ends with any of: {string.Join(", ", options.Targets)}.");
        }

        // Check every target and find where its parent holds it before changing anything, so that a failure leaves
        // the tree as it was.
        var plans = new List<(string Path, Linear Module, Action<LoraLinear> Install)>();
        foreach (var (path, module) in targets)
        {
            if (module is LoraLinear)
            {
                throw new InvalidOperationException($"Module '{path}' already has a LoRA layer.");
            }

            if (module is not Linear linear)
            {
                throw new InvalidOperationException(
                    $"Module '{path}' is a {module.GetType().Name}, not a Linear, so it cannot take a LoRA layer.");
            }

            var widths = linear.weight!.shape;
            if (options.Rank > Math.Min(widths[0], widths[1]))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(options),
                    options.Rank,
                    $"Rank {options.Rank} exceeds the width of module '{path}' ({widths[1]} in, {widths[0]} out).");
            }

            plans.Add((path, linear, PlanReplacement(root, modules, path, module)));
        }

        foreach (var parameter in root.parameters())
        {
            parameter.requires_grad = false;
        }

        using var generator = options.Seed is { } seed ? SeededNoise.CreateGenerator(seed) : null;
        var layers = new SortedDictionary<string, LoraLinear>(StringComparer.Ordinal);
        foreach (var (path, linear, install) in plans)
        {
            var layer = new LoraLinear(linear, options.Rank, generator);
            install(layer);
            layers.Add(path, layer);
        }

        return new LoraAdapter(layers);
    }

    /// <summary>
    /// Copies the LoRA weights into a state dictionary, named in <paramref name="form"/> (without prefix), sorted by
    /// name.
    /// </summary>
    /// <param name="form">The naming form; default <see cref="LoraKeyForm.Processor"/> (see <see cref="Save(string,
    /// LoraKeyForm)"/>).</param>
    /// <exception cref="InvalidOperationException">The processor form was asked for a layer that is not an attention
    /// projection.</exception>
    public StateDictionary ToStateDictionary(LoraKeyForm form = LoraKeyForm.Processor)
    {
        var tensors = new List<NamedTensor>();
        foreach (var (path, layer) in _layers)
        {
            tensors.Add(ToNamedTensor(new LoraKey(path, LoraPart.Down).Format(form), layer.DownWeight));
            tensors.Add(ToNamedTensor(new LoraKey(path, LoraPart.Up).Format(form), layer.UpWeight));
        }

        var dictionary = new StateDictionary();
        foreach (var tensor in tensors.OrderBy(tensor => tensor.Name, StringComparer.Ordinal))
        {
            dictionary.Add(tensor);
        }

        return dictionary;
    }

    /// <summary>
    /// Writes the LoRA weights as float32 safetensors. The default <see cref="LoraKeyForm.Processor"/> names, without
    /// prefix, are what diffusers 0.25's <c>save_attn_procs</c> writes in TinyBeauty's training, so the file loads
    /// with <c>unet.load_attn_procs</c> there and with <c>load_lora_weights</c> in later diffusers versions.
    /// </summary>
    /// <param name="path">The destination; replaced atomically.</param>
    /// <param name="form">The naming form.</param>
    /// <exception cref="ArgumentException">The path is null or empty.</exception>
    /// <exception cref="InvalidOperationException">The processor form was asked for a layer that is not an attention
    /// projection.</exception>
    public void Save(string path, LoraKeyForm form = LoraKeyForm.Processor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeTensors.Save(ToStateDictionary(form), path);
    }

    /// <summary>Reads LoRA weights from a safetensors file; see <see cref="Load(StateDictionary)"/>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or see
    /// <see cref="Load(StateDictionary)"/>.</exception>
    public void Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Load(SafeTensors.Load(path));
    }

    /// <summary>
    /// Copies LoRA weights into the layers. Names may use any <see cref="LoraKeyForm"/> (mixed forms are accepted)
    /// with or without the prefix <c>unet.</c>. Everything is checked before anything is copied.
    /// </summary>
    /// <param name="weights">The tensors.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="InvalidDataException">
    /// A name is not a LoRA name, targets a module without a LoRA layer, appears twice (in two forms) or has the
    /// wrong shape, or a layer's down or up weight is missing; the message names the key.
    /// </exception>
    public void Load(StateDictionary weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var plan = new Dictionary<LoraKey, NamedTensor>();
        foreach (var tensor in weights.Tensors)
        {
            if (!LoraKey.TryParse(tensor.Name, out var key, out _))
            {
                throw new InvalidDataException($"Tensor '{tensor.Name}' is not a UNet attention LoRA weight.");
            }

            if (!_layers.TryGetValue(key.ModulePath, out var layer))
            {
                throw new InvalidDataException(
                    $"Tensor '{tensor.Name}' targets module '{key.ModulePath}', which has no LoRA layer.");
            }

            var expected = Shape(key.Part == LoraPart.Down ? layer.DownWeight : layer.UpWeight);
            if (!tensor.Shape.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidDataException(
                    $"Tensor '{tensor.Name}' has shape {NamedTensor.FormatShape(tensor.Shape)}, "
                    + $"expected {NamedTensor.FormatShape(expected)}.");
            }

            if (!plan.TryAdd(key, tensor))
            {
                throw new InvalidDataException(
                    $"Tensor '{tensor.Name}' sets the {key.Part} weight of '{key.ModulePath}', "
                    + $"which '{plan[key].Name}' already sets.");
            }
        }

        foreach (var path in _layers.Keys)
        {
            foreach (var part in new[] { LoraPart.Down, LoraPart.Up })
            {
                if (!plan.ContainsKey(new LoraKey(path, part)))
                {
                    throw new InvalidDataException(
                        $"The weights lack '{new LoraKey(path, part).Format(LoraKeyForm.Peft)}' "
                        + "(in any naming form).");
                }
            }
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (key, source) in plan)
        {
            var layer = _layers[key.ModulePath];
            var target = key.Part == LoraPart.Down ? layer.DownWeight : layer.UpWeight;
            var values = tensor(source.Data, source.Shape.Select(dimension => (long)dimension).ToArray());
            target.copy_(values);
        }
    }

    private static bool IsTarget(string path, string target) =>
        path == target || path.EndsWith("." + target, StringComparison.Ordinal);

    private static int[] Shape(Tensor tensor) => tensor.shape.Select(dimension => checked((int)dimension)).ToArray();

    private static NamedTensor ToNamedTensor(string name, Tensor tensor)
    {
        using var values = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return new NamedTensor(name, Shape(values), values.data<float>().ToArray());
    }

    private static Action<LoraLinear> PlanReplacement(
        nn.Module root,
        Dictionary<string, nn.Module> modules,
        string path,
        nn.Module original)
    {
        var dot = path.LastIndexOf('.');
        var parent = dot < 0 ? root : modules[path[..dot]];
        var name = path[(dot + 1)..];
        var setters = FindHolders(parent, original, path);
        if (setters.Count == 0)
        {
            throw new InvalidOperationException(
                $"The parent of module '{path}' ({parent.GetType().Name}) holds it in no field or list, so its "
                + "forward pass could not be redirected to the LoRA layer.");
        }

        return replacement =>
        {
            foreach (var set in setters)
            {
                set(replacement);
            }

            parent.register_module(name, null!);
            parent.register_module(name, replacement);
        };
    }

    private static List<Action<LoraLinear>> FindHolders(nn.Module parent, nn.Module original, string path)
    {
        const BindingFlags Flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic
            | BindingFlags.DeclaredOnly;
        var setters = new List<Action<LoraLinear>>();
        for (var type = parent.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(Flags))
            {
                var value = field.GetValue(parent);
                if (ReferenceEquals(value, original))
                {
                    if (!field.FieldType.IsAssignableFrom(typeof(LoraLinear)))
                    {
                        throw new InvalidOperationException(
                            $"Module '{path}' is held in field '{field.Name}' of type {field.FieldType.Name}, which "
                            + "cannot hold a LoRA layer; declare the field as Module<Tensor, Tensor>.");
                    }

                    setters.Add(replacement => field.SetValue(parent, replacement));
                }
                else if (value is IList list && value is not Tensor && !list.IsReadOnly)
                {
                    AddListHolders(list, original, path, setters);
                }
            }
        }

        return setters;
    }

    private static void AddListHolders(IList list, nn.Module original, string path, List<Action<LoraLinear>> setters)
    {
        for (var index = 0; index < list.Count; index++)
        {
            if (!ReferenceEquals(list[index], original))
            {
                continue;
            }

            var elementType = list.GetType().GetInterfaces()
                .FirstOrDefault(type => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IList<>))
                ?.GetGenericArguments()[0];
            if (elementType is not null && !elementType.IsAssignableFrom(typeof(LoraLinear)))
            {
                throw new InvalidOperationException(
                    $"Module '{path}' is held in a list of {elementType.Name}, which cannot hold a LoRA layer.");
            }

            var position = index;
            setters.Add(replacement => list[position] = replacement);
        }
    }
}
