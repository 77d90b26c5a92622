namespace TinyBeauty.Model.Export;

/// <summary>
/// Options for <see cref="OnnxExporter"/>. The defaults export the fast layout for any batch size and image size.
/// </summary>
public sealed record OnnxExportOptions
{
    /// <summary>Gets the default options.</summary>
    public static OnnxExportOptions Default { get; } = new();

    /// <summary>
    /// Gets the string stored as the model's <c>producer_version</c>. Default: the TinyBeauty.Model assembly's
    /// informational version.
    /// </summary>
    public string? ProducerVersion { get; init; }

    /// <summary>Gets the operator layout. Default <see cref="OnnxGraphStyle.Fast"/>.</summary>
    public OnnxGraphStyle GraphStyle { get; init; } = OnnxGraphStyle.Fast;

    /// <summary>
    /// Gets a fixed batch size baked into the input and output shapes, or null (the default) for a symbolic
    /// <c>batch</c> dimension.
    /// </summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// Gets a fixed image height baked into the input and output shapes, or null (the default) for a symbolic
    /// <c>height</c> dimension. A fixed size must be a multiple of 4 and at least 8. Fixed sizes let ONNX Runtime
    /// check input shapes and fold the shape computations ahead of time (the LayerNorm divisor becomes a
    /// constant); with ONNX Runtime 1.32 on the CPU they gave no measurable speed-up at 256 x 256.
    /// </summary>
    public int? InputHeight { get; init; }

    /// <summary>
    /// Gets a fixed image width, or null (the default) for a symbolic <c>width</c>; see <see cref="InputHeight"/>.
    /// </summary>
    public int? InputWidth { get; init; }

    /// <summary>
    /// Gets the square side the model was trained to see a whole face at, or null (the default) to record none. It is
    /// stored in the model's metadata under <see cref="InferenceSizeKey"/>, where TinyBeauty.Onnx's
    /// <c>MakeupSession</c> reads it as its default inference size; the graph itself still takes any size. A model
    /// trained on faces resampled to 128 x 128 sees features at half the scale of one trained at 256, so running it at
    /// another size puts its receptive field on the wrong part of the face. A multiple of 4 of at least 8.
    /// </summary>
    public int? InferenceSize { get; init; }

    /// <summary>
    /// The metadata key under which <see cref="InferenceSize"/> is stored, as a decimal string; the same string as
    /// TinyBeauty.Onnx's <c>MakeupSessionOptions.InferenceSizeMetadataKey</c> (neither package references the other).
    /// </summary>
    public const string InferenceSizeKey = "tinybeauty.inference_size";

    /// <summary>Throws when a fixed size is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="BatchSize"/> is below 1, or a fixed height or width or the inference size is below 8 or not a
    /// multiple of 4.
    /// </exception>
    public void Validate()
    {
        if (BatchSize is { } batch)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1, nameof(BatchSize));
        }

        if (!Enum.IsDefined(GraphStyle))
        {
            throw new ArgumentOutOfRangeException(nameof(GraphStyle), GraphStyle, "Unknown graph style.");
        }

        CheckImageSize(InputHeight, nameof(InputHeight));
        CheckImageSize(InputWidth, nameof(InputWidth));
        CheckImageSize(InferenceSize, nameof(InferenceSize));
    }

    private static void CheckImageSize(int? size, string name)
    {
        if (size is { } value && (value < 8 || value % 4 != 0))
        {
            throw new ArgumentOutOfRangeException(
                name, value, "A fixed image size must be a multiple of 4 and at least 8 (two stride-2 stages).");
        }
    }
}
