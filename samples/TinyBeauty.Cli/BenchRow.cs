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
    [property: JsonPropertyName("apply_scalar_ms")] double ApplyScalarMs);

[JsonSerializable(typeof(List<BenchRow>))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
