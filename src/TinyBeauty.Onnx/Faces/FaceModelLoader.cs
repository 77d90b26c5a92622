using Microsoft.ML.OnnxRuntime;

namespace TinyBeauty.Onnx.Faces;

/// <summary>Opens the MediaPipe face models embedded in this assembly (models/face in the repository).</summary>
internal static class FaceModelLoader
{
    /// <summary>Creates an ONNX Runtime session over the embedded model <paramref name="name"/>.</summary>
    /// <param name="name">The file name without extension: blazeface or facemesh.</param>
    /// <param name="intraOpThreads">ONNX Runtime's threads inside one inference; 0 lets it choose.</param>
    /// <exception cref="MakeupModelException">The resource is missing or ONNX Runtime cannot load it.</exception>
    public static InferenceSession Open(string name, int intraOpThreads)
    {
        var resource = $"TinyBeauty.Onnx.Faces.{name}.onnx";
        using var stream = typeof(FaceModelLoader).Assembly.GetManifestResourceStream(resource)
            ?? throw new MakeupModelException($"The embedded face model '{resource}' is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);

        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
        };
        try
        {
            return new InferenceSession(copy.ToArray(), options);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new MakeupModelException($"ONNX Runtime could not load the face model '{name}'.", exception);
        }
    }

    /// <summary>Runs a session on one float input and returns copies of the named float outputs.</summary>
    public static float[][] Run(
        InferenceSession session,
        string inputName,
        float[] input,
        long[] shape,
        string[] outputNames)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [inputName], [inputValue], outputNames);
        var result = new float[outputNames.Length][];
        var index = 0;
        foreach (var output in outputs)
        {
            result[index++] = output.GetTensorDataAsSpan<float>().ToArray();
        }

        return result;
    }
}
