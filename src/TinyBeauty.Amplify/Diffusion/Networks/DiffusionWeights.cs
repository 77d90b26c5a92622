using System.Buffers.Binary;
using System.Text.Json;
using TinyBeauty.Model.Checkpoints;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// Loads and saves the weights of the diffusion networks as diffusers-layout safetensors files (the tensor names are
/// the state-dict keys, such as <c>down_blocks.0.resnets.0.conv1.weight</c>).
/// </summary>
/// <remarks>
/// <para>
/// Loading reads one tensor at a time (see <see cref="SafeTensorsFile"/>), so a 3.4 GB UNet never needs a second
/// copy in managed memory. Every name and shape is checked before anything is copied: a missing, extra or misshaped
/// tensor fails the whole load and leaves the parameters unchanged.
/// </para>
/// <para>
/// Per network: <see cref="AutoencoderKL"/> also accepts the legacy mid-block attention names
/// (<see cref="AutoencoderKL.LegacyNameMap"/>); <see cref="ClipVisionModelWithProjection"/> accepts (and ignores)
/// the optional <see cref="ClipVisionModelWithProjection.PositionIdsKey"/> buffer.
/// </para>
/// </remarks>
public static class DiffusionWeights
{
    private const int ListedNames = 8;

    /// <summary>Copies the tensors of a safetensors file into a network's parameters.</summary>
    /// <param name="network">A network of this namespace (or any module whose parameter names are the file's keys).
    /// </param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="options">Which dtypes are accepted; null means <see cref="DiffusionWeightsOptions.Default"/>.
    /// </param>
    /// <exception cref="DiffusionWeightsException">
    /// The file is missing or not valid safetensors, a tensor is missing, extra or misshaped, a dtype is not F32,
    /// F16 or BF16, or <see cref="DiffusionWeightsOptions.RequireFloat32"/> is set and the file holds F16 or BF16
    /// tensors; the parameters are then unchanged. Also thrown when the file cannot be read to its end (it changed on
    /// disk or the disk failed), in which case some parameters may already hold the new values.
    /// </exception>
    public static void Load(nn.Module network, string path, DiffusionWeightsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= DiffusionWeightsOptions.Default;

        using var file = Open(path);
        var sources = file.Entries.Select(entry => new SourceTensor(entry.Name, entry.Shape, entry.DType)).ToList();
        var plan = Plan(network, sources, file.FilePath, options);

        using var noGrad = no_grad();
        foreach (var (parameter, index) in plan)
        {
            var entry = file.Entries[index];
            float[] values;
            try
            {
                values = file.ReadFloat32(entry);
            }
            catch (Exception exception) when (exception is IOException or InvalidDataException)
            {
                throw new DiffusionWeightsException(
                    $"'{file.FilePath}': tensor '{entry.Name}' could not be read ({exception.Message}); the network "
                    + "is partly loaded.",
                    exception);
            }

            using var stored = tensor(values, entry.Shape.Select(dimension => (long)dimension).ToArray());
            parameter.copy_(stored);
        }
    }

    /// <summary>
    /// Copies float32 tensors held in managed memory into a network's parameters, with the same name and shape
    /// checks (and legacy-name handling) as <see cref="Load(nn.Module, string, DiffusionWeightsOptions?)"/>. This
    /// loads a PyTorch pickle checkpoint read with <see cref="PyTorchCheckpoint"/>, such as TinyBeauty's
    /// <c>proj.pth</c> for an <see cref="ImageTokenProjection"/>.
    /// </summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="weights">The tensors, keyed by state-dict name.</param>
    /// <param name="source">Names the origin in error messages, for example the file name.</param>
    /// <exception cref="DiffusionWeightsException">A tensor is missing, extra or misshaped; the parameters are then
    /// unchanged.</exception>
    public static void Load(nn.Module network, StateDictionary weights, string source)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(source);

        var tensors = weights.Tensors;
        var sources = tensors.Select(named => new SourceTensor(named.Name, named.Shape, "F32")).ToList();
        var plan = Plan(network, sources, source, DiffusionWeightsOptions.Default);

        using var noGrad = no_grad();
        foreach (var (parameter, index) in plan)
        {
            var named = tensors[index];
            using var values = tensor(named.Data, named.Shape.Select(dimension => (long)dimension).ToArray());
            parameter.copy_(values);
        }
    }

    /// <summary>
    /// Writes a network's parameters as a diffusers-layout safetensors file, in <c>named_parameters()</c> order,
    /// with <c>{"format": "pt"}</c> metadata. The file is written beside the destination and then moved over it.
    /// </summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The destination; an existing file is replaced.</param>
    /// <param name="storedType">The dtype written: <see cref="ScalarType.Float32"/> (default),
    /// <see cref="ScalarType.Float16"/> or <see cref="ScalarType.BFloat16"/>.</param>
    /// <exception cref="ArgumentException">The stored type is not one of those three.</exception>
    public static void Save(nn.Module network, string path, ScalarType storedType = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (DTypeName(storedType) is null)
        {
            throw new ArgumentException(
                $"Weights can be saved as Float32, Float16 or BFloat16, not {storedType}.",
                nameof(storedType));
        }

        var tensors = network.named_parameters().Select(pair => (pair.name, (Tensor)pair.parameter)).ToList();
        WriteSafeTensors(path, tensors, storedType);
    }

    /// <summary>
    /// Writes named tensors as safetensors: floating tensors in <paramref name="storedType"/>, int64 tensors as
    /// <c>I64</c>. Used by <see cref="Save"/> and by tests that need files with extra buffers.
    /// </summary>
    internal static void WriteSafeTensors(
        string path,
        IReadOnlyList<(string Name, Tensor Tensor)> tensors,
        ScalarType storedType)
    {
        var header = new MemoryStream();
        var stored = new List<Tensor>(tensors.Count);
        try
        {
            using (var json = new Utf8JsonWriter(header))
            {
                json.WriteStartObject();
                json.WriteStartObject("__metadata__");
                json.WriteString("format", "pt");
                json.WriteEndObject();
                long offset = 0;
                foreach (var (name, source) in tensors)
                {
                    var type = source.dtype == ScalarType.Int64 ? ScalarType.Int64 : storedType;
                    var converted = source.detach().cpu().to_type(type).contiguous();
                    stored.Add(converted);
                    var length = converted.numel() * converted.ElementSize;
                    json.WriteStartObject(name);
                    json.WriteString("dtype", DTypeName(type) ?? "I64");
                    json.WriteStartArray("shape");
                    foreach (var dimension in converted.shape)
                    {
                        json.WriteNumberValue(dimension);
                    }

                    json.WriteEndArray();
                    json.WriteStartArray("data_offsets");
                    json.WriteNumberValue(offset);
                    json.WriteNumberValue(offset + length);
                    json.WriteEndArray();
                    json.WriteEndObject();
                    offset += length;
                }

                json.WriteEndObject();
            }

            // The data section starts 8-byte aligned, as the format recommends.
            while (header.Length % 8 != 0)
            {
                header.WriteByte((byte)' ');
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var output = File.Create(temporary))
                {
                    Span<byte> prefix = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                    output.Write(prefix);
                    header.Position = 0;
                    header.CopyTo(output);
                    foreach (var converted in stored)
                    {
                        // safetensors is little-endian, as is every platform libtorch runs on.
                        output.Write(converted.bytes);
                    }
                }

                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        finally
        {
            foreach (var converted in stored)
            {
                converted.Dispose();
            }
        }
    }

    private static SafeTensorsFile Open(string path)
    {
        try
        {
            return SafeTensorsFile.Open(path);
        }
        catch (FileNotFoundException exception)
        {
            throw new DiffusionWeightsException($"The weights file '{path}' does not exist.", exception);
        }
        catch (DirectoryNotFoundException exception)
        {
            throw new DiffusionWeightsException($"The weights file '{path}' does not exist.", exception);
        }
        catch (InvalidDataException exception)
        {
            throw new DiffusionWeightsException(
                $"The weights file '{path}' is not a valid safetensors file: {exception.Message}",
                exception);
        }
    }

    /// <summary>Matches every parameter with a source tensor (by index), checking names, shapes and dtypes.</summary>
    private static List<(Tensor Parameter, int Index)> Plan(
        nn.Module network,
        IReadOnlyList<SourceTensor> sources,
        string source,
        DiffusionWeightsOptions options)
    {
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < sources.Count; index++)
        {
            var name = sources[index].Name;
            if (network is ClipVisionModelWithProjection && name == ClipVisionModelWithProjection.PositionIdsKey)
            {
                continue;
            }

            var key = network is AutoencoderKL ? AutoencoderKL.RenameLegacy(name) : name;
            if (!byKey.TryAdd(key, index))
            {
                throw new DiffusionWeightsException(
                    $"'{source}' holds both '{sources[byKey[key]].Name}' and '{name}', which are the same tensor "
                    + $"'{key}' (legacy and current names).");
            }
        }

        var parameters = network.named_parameters().ToList();
        var expected = parameters.Select(pair => pair.name).ToHashSet(StringComparer.Ordinal);
        var missing = parameters.Select(pair => pair.name).Where(name => !byKey.ContainsKey(name)).ToList();
        var extra = byKey.Where(pair => !expected.Contains(pair.Key)).Select(pair => sources[pair.Value].Name).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0)
            {
                problems.Add($"{missing.Count} missing tensor(s): {List(missing)}");
            }

            if (extra.Count > 0)
            {
                problems.Add($"{extra.Count} unexpected tensor(s): {List(extra)}");
            }

            throw new DiffusionWeightsException(
                $"'{source}' does not match {network.GetType().Name}: {string.Join("; ", problems)}.");
        }

        var plan = new List<(Tensor, int)>(parameters.Count);
        foreach (var (name, parameter) in parameters)
        {
            var index = byKey[name];
            var tensor = sources[index];
            if (!tensor.Shape.Select(dimension => (long)dimension).SequenceEqual(parameter.shape))
            {
                throw new DiffusionWeightsException(
                    $"'{source}': tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}] but "
                    + $"{network.GetType().Name} expects [{string.Join(", ", parameter.shape)}].");
            }

            if (tensor.DType is not ("F32" or "F16" or "BF16"))
            {
                throw new DiffusionWeightsException(
                    $"'{source}': tensor '{tensor.Name}' has dtype {tensor.DType}; only F32, F16 and BF16 are "
                    + "accepted.");
            }

            plan.Add((parameter, index));
        }

        var reduced = plan.Select(step => sources[step.Item2]).FirstOrDefault(tensor => tensor.DType != "F32");
        if (options.RequireFloat32 && reduced is not null)
        {
            throw new DiffusionWeightsException(
                $"'{source}' holds {reduced.DType} tensors (for example '{reduced.Name}') but float32 was asked "
                + "(RequireFloat32); use the full-precision file or allow reduced precision.");
        }

        return plan;
    }

    private static string List(List<string> names) =>
        string.Join(", ", names.Take(ListedNames).Select(name => $"'{name}'"))
        + (names.Count > ListedNames ? $" and {names.Count - ListedNames} more" : "");

    /// <summary>What the checks need to know of a stored tensor.</summary>
    private sealed record SourceTensor(string Name, IReadOnlyList<int> Shape, string DType);

    private static string? DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        _ => null,
    };
}
