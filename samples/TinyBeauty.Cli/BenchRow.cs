using System.Text.Json.Serialization;

namespace TinyBeauty.Cli;

/// <summary>One inference size's medians, in milliseconds.</summary>
internal sealed record BenchRow(
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("resize_ms")] double ResizeMs,
    [property: JsonPropertyName("inference_ms")] double InferenceMs,
    [property: JsonPropertyName("apply_ms")] double ApplyMs,
    [property: JsonPropertyName("total_ms")] double TotalMs,
    [property: JsonPropertyName("bare_inference_ms")] double BareInferenceMs,
    [property: JsonPropertyName("apply_scalar_ms")] double ApplyScalarMs)
{
    /// <summary>Gets the kernel time per operator type (ms per inference), when profiling was asked for.</summary>
    [JsonPropertyName("profile_ms")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, double>? ProfileMs { get; init; }
}

[JsonSerializable(typeof(List<BenchRow>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
