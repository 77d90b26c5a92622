using Microsoft.ML.OnnxRuntime;

namespace TinyBeauty.Onnx;

/// <summary>Settings for a <see cref="MakeupSession"/>. Every property has a sensible default.</summary>
public sealed record MakeupSessionOptions
{
    /// <summary>The inference resolution of the official models, used when a model records no size of its own.
    /// </summary>
    public const int DefaultInferenceSize = 256;

    /// <summary>
    /// The <see cref="InferenceSize"/> that asks for the model's own size: the side recorded in its metadata under
    /// <see cref="InferenceSizeMetadataKey"/> (TinyBeauty.Model's trainer records its crop size there), else the
    /// side of a model with a fixed input size, else <see cref="DefaultInferenceSize"/>.
    /// </summary>
    public const int FromModel = 0;

    /// <summary>The ONNX metadata key under which a model records the side it was trained at.</summary>
    public const string InferenceSizeMetadataKey = "tinybeauty.inference_size";

    /// <summary>
    /// Gets the side of the square the photo is resized to before inference. Default <see cref="FromModel"/>: the
    /// size the model was trained at, so that its receptive field covers the same part of a face as in training
    /// (a model trained on faces resampled to 128 x 128 paints poorly at 256). Otherwise a multiple of 4 of at
    /// least 8 (the network downsamples twice) and, when the model declares a fixed input size, equal to it.
    /// <see cref="MakeupSession.InferenceSize"/> is the side a session settled on.
    /// </summary>
    public int InferenceSize { get; init; } = FromModel;

    /// <summary>
    /// Gets the number of threads ONNX Runtime uses inside one inference. Default 0, which lets ONNX Runtime
    /// choose (one per physical core).
    /// </summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Gets whether ONNX Runtime's worker threads keep spinning for a while after each inference, waiting for the
    /// next one. Default <see langword="true"/>, ONNX Runtime's own default: lowest latency for back-to-back
    /// inferences. Set it to <see langword="false"/> to hand the cores back at once, which helps when the
    /// application does other work between photos.
    /// </summary>
    public bool AllowThreadSpinning { get; init; } = true;

    /// <summary>
    /// Gets ONNX Runtime's own log level for this session. Default
    /// <see cref="OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING"/>.
    /// </summary>
    public OrtLoggingLevel LogLevel { get; init; } = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;

    /// <summary>Gets how far ONNX Runtime optimises the graph when loading it. Default: all optimisations.</summary>
    public GraphOptimizationLevel GraphOptimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Gets the most photos one ONNX Runtime call receives when a batch is made up. Default 4. Larger batches
    /// use more memory (12 bytes per inference pixel per photo) and rarely run faster on a CPU.
    /// </summary>
    public int MaxBatchSize { get; init; } = 4;

    /// <summary>
    /// Gets a path prefix for ONNX Runtime's profiler, or <see langword="null"/> (the default) to leave it off.
    /// When set, ONNX Runtime writes a JSON trace of every node's time when the session is disposed.
    /// </summary>
    public string? ProfilePathPrefix { get; init; }

    /// <summary>Gets the default options.</summary>
    public static MakeupSessionOptions Default { get; } = new();

    /// <summary>
    /// Whether the network can run at <paramref name="side"/>: a multiple of 4 (it downsamples twice) of at least 8.
    /// </summary>
    internal static bool IsInferenceSize(int side) => side >= 8 && side % 4 == 0;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (InferenceSize != FromModel && !IsInferenceSize(InferenceSize))
        {
            throw new ArgumentOutOfRangeException(
                nameof(InferenceSize), InferenceSize, $"The inference size must be {FromModel} (the model's own) or a "
                + "multiple of 4 of at least 8.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads, nameof(IntraOpThreads));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
    }
}
