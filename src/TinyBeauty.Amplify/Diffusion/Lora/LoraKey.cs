namespace TinyBeauty.Amplify.Diffusion.Lora;

/// <summary>
/// What a LoRA tensor name points at: the path of the adapted linear module (diffusers naming, for example
/// <c>mid_block.attentions.0.transformer_blocks.0.attn2.to_k</c> or <c>...attn2.to_out.0</c>) and which matrix.
/// </summary>
/// <param name="ModulePath">The dotted path of the linear module, without any <c>unet.</c> prefix.</param>
/// <param name="Part">The down or up matrix.</param>
public readonly record struct LoraKey(string ModulePath, LoraPart Part)
{
    private const string UnetPrefix = "unet.";
    private const string WeightSuffix = ".weight";
    private const string ProcessorMarker = ".processor.";

    private static readonly string[] s_projections = ["to_q", "to_k", "to_v", "to_out"];

    /// <summary>
    /// Reads a tensor name in any <see cref="LoraKeyForm"/>, with or without the prefix <c>unet.</c>.
    /// </summary>
    /// <param name="key">The tensor name.</param>
    /// <param name="result">The target, when the name is a LoRA name.</param>
    /// <param name="form">The form the name is written in.</param>
    /// <returns>Whether the name is a LoRA tensor name of a known form.</returns>
    public static bool TryParse(string? key, out LoraKey result, out LoraKeyForm form)
    {
        result = default;
        form = default;
        if (string.IsNullOrEmpty(key) || !key.EndsWith(WeightSuffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = key.StartsWith(UnetPrefix, StringComparison.Ordinal) ? key[UnetPrefix.Length..] : key;
        name = name[..^WeightSuffix.Length];
        if (TryParseProcessor(name, out result))
        {
            form = LoraKeyForm.Processor;
            return true;
        }

        if (TrySplit(name, ".lora_A", ".lora_B", out result))
        {
            form = LoraKeyForm.Peft;
            return true;
        }

        if (TrySplit(name, ".lora.down", ".lora.up", out result))
        {
            form = LoraKeyForm.LoraLayer;
            return true;
        }

        return false;
    }

    /// <summary>Reads a tensor name in any form (see <see cref="TryParse"/>).</summary>
    /// <param name="key">The tensor name.</param>
    /// <returns>The target.</returns>
    /// <exception cref="FormatException">The name is not a LoRA tensor name of a known form; the message gives it.
    /// </exception>
    public static LoraKey Parse(string key) =>
        TryParse(key, out var result, out _)
            ? result
            : throw new FormatException(
                $"'{key}' is not a UNet attention LoRA tensor name (expected '<module>.processor.to_X_lora.down"
                + "|up.weight', '<module>.to_X.lora_A|lora_B.weight' or '<module>.to_X.lora.down|up.weight', "
                + "optionally prefixed with 'unet.').");

    /// <summary>Writes this target's tensor name in a form, without the <c>unet.</c> prefix.</summary>
    /// <param name="form">The naming form.</param>
    /// <returns>The tensor name.</returns>
    /// <exception cref="InvalidOperationException">
    /// The processor form was asked for a module that is not an attention projection (<c>to_q</c>, <c>to_k</c>,
    /// <c>to_v</c> or <c>to_out.0</c>).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The form is unknown.</exception>
    public string Format(LoraKeyForm form)
    {
        var isDown = Part == LoraPart.Down;
        switch (form)
        {
            case LoraKeyForm.Peft:
                return $"{ModulePath}{(isDown ? ".lora_A" : ".lora_B")}{WeightSuffix}";
            case LoraKeyForm.LoraLayer:
                return $"{ModulePath}{(isDown ? ".lora.down" : ".lora.up")}{WeightSuffix}";
            case LoraKeyForm.Processor:
                var module = ModulePath.EndsWith(".to_out.0", StringComparison.Ordinal)
                    ? ModulePath[..^".0".Length]
                    : ModulePath;
                var dot = module.LastIndexOf('.');
                var projection = dot < 0 ? string.Empty : module[(dot + 1)..];
                if (dot < 0 || !s_projections.Contains(projection)
                    || (projection == "to_out") != ModulePath.EndsWith(".to_out.0", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"Module '{ModulePath}' is not an attention projection, so it has no processor-form name.");
                }

                return $"{module[..dot]}.processor.{projection}_lora.{(isDown ? "down" : "up")}{WeightSuffix}";
            default:
                throw new ArgumentOutOfRangeException(nameof(form), form, "Unknown LoRA key form.");
        }
    }

    private static bool TryParseProcessor(string name, out LoraKey result)
    {
        result = default;
        var marker = name.LastIndexOf(ProcessorMarker, StringComparison.Ordinal);
        if (marker <= 0)
        {
            return false;
        }

        var attention = name[..marker];
        var rest = name[(marker + ProcessorMarker.Length)..];
        LoraPart part;
        if (rest.EndsWith("_lora.down", StringComparison.Ordinal))
        {
            part = LoraPart.Down;
            rest = rest[..^"_lora.down".Length];
        }
        else if (rest.EndsWith("_lora.up", StringComparison.Ordinal))
        {
            part = LoraPart.Up;
            rest = rest[..^"_lora.up".Length];
        }
        else
        {
            return false;
        }

        if (!s_projections.Contains(rest))
        {
            return false;
        }

        var module = rest == "to_out" ? $"{attention}.to_out.0" : $"{attention}.{rest}";
        result = new LoraKey(module, part);
        return true;
    }

    private static bool TrySplit(string name, string downSuffix, string upSuffix, out LoraKey result)
    {
        result = default;
        foreach (var (suffix, part) in new[] { (downSuffix, LoraPart.Down), (upSuffix, LoraPart.Up) })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length)
            {
                var module = name[..^suffix.Length];
                if (module.Contains(ProcessorMarker, StringComparison.Ordinal))
                {
                    return false;
                }

                result = new LoraKey(module, part);
                return true;
            }
        }

        return false;
    }
}
