using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Core;

namespace TinyBeauty.Onnx;

/// <summary>
/// Makes up photos with one TinyBeauty model on ONNX Runtime: the photo is resized to the inference size,
/// normalised to [-1, 1], the model predicts a makeup residual, and the residual is upsampled to the photo's full
/// resolution, scaled by an intensity and added (see <see cref="ResidualApplier"/>).
/// </summary>
/// <remarks>
/// <para>
/// A session is thread-safe: any number of threads may call its methods at once. Each call borrows a workspace
/// (input and residual tensors pinned for ONNX Runtime) from a pool owned by the session and returns it when the
/// call ends, so repeated calls allocate nothing once every concurrent caller has had one workspace.
/// </para>
/// <para>
/// <see cref="Dispose"/> releases the native session and every pooled buffer; it must not run while another
/// thread is still inside a call.
/// </para>
/// </remarks>
public sealed partial class MakeupSession : IDisposable
{
    private const int ImageChannels = 3;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly ConcurrentBag<Workspace> _workspaces = [];
    private volatile bool _disposed;

    private MakeupSession(InferenceSession session, MakeupSessionOptions options)
    {
        _session = session;
        _runOptions = new RunOptions();
        Options = options;
        RecordedInferenceSize = ReadRecordedSize(session);
        InferenceSize = options.InferenceSize == MakeupSessionOptions.FromModel
            ? RecordedInferenceSize ?? FixedInputSide(session) ?? MakeupSessionOptions.DefaultInferenceSize
            : options.InferenceSize;
        (_inputNames, _outputNames) = CheckSignature(session, InferenceSize);
    }

    /// <summary>Gets the options this session was created with.</summary>
    public MakeupSessionOptions Options { get; }

    /// <summary>
    /// Gets the side of the square the photo is resized to before inference:
    /// <see cref="MakeupSessionOptions.InferenceSize"/>, or the model's own size when that is
    /// <see cref="MakeupSessionOptions.FromModel"/>.
    /// </summary>
    public int InferenceSize { get; }

    /// <summary>
    /// Gets the side the model records in its metadata as the one it was trained at
    /// (<see cref="MakeupSessionOptions.InferenceSizeMetadataKey"/>), or null when it records none.
    /// </summary>
    public int? RecordedInferenceSize { get; }

    /// <summary>Gets the number of floats in one residual: 3 x <see cref="InferenceSize"/> squared.</summary>
    public int ResidualLength => ImageChannels * InferenceSize * InferenceSize;

    /// <summary>Loads a model from an ONNX file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MakeupModelException">The file is not an ONNX model of a TinyBeauty network.</exception>
    public static MakeupSession Load(string path, MakeupSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The model file '{path}' does not exist.", path);
        }

        return Create(File.ReadAllBytes(path), options, path);
    }

    /// <summary>Loads a model from a stream holding an ONNX file, read to its end and not disposed.</summary>
    /// <exception cref="MakeupModelException">The data is not an ONNX model of a TinyBeauty network.</exception>
    public static MakeupSession Load(Stream stream, MakeupSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Create(copy.ToArray(), options, "the model stream");
    }

    /// <summary>Loads a model from the bytes of an ONNX file.</summary>
    /// <exception cref="MakeupModelException">The data is not an ONNX model of a TinyBeauty network.</exception>
    public static MakeupSession Load(ReadOnlySpan<byte> model, MakeupSessionOptions? options = null) =>
        Create(model.ToArray(), options, "the model bytes");

    /// <summary>
    /// Predicts the makeup residual of a photo: resizes it to the inference size (OpenCV-compatible bilinear),
    /// normalises it and runs the model.
    /// </summary>
    /// <param name="source">The photo, any size and layout.</param>
    /// <param name="residual">Receives 3 x <see cref="InferenceSize"/> x <see cref="InferenceSize"/> RGB values
    /// in [-1, 1].</param>
    /// <exception cref="ArgumentException">The residual view has the wrong shape.</exception>
    /// <exception cref="MakeupModelException">The model produced a value that is not finite.</exception>
    public void PredictResidual(ReadOnlyImageView source, PlanarTensorView residual)
    {
        CheckResidualShape(residual.Channels, residual.Height, residual.Width, nameof(residual));
        var workspace = RentWorkspace();
        try
        {
            ImageNormalization.ResizeToPlanarRgb(source, workspace.InputView(InferenceSize));
            Infer(workspace);
            workspace.Residual.AsSpan().CopyTo(residual.Data);
        }
        finally
        {
            ReturnWorkspace(workspace);
        }
    }

    /// <summary>
    /// Runs the model alone on an input that is already resized and normalised, and copies its residual out.
    /// </summary>
    /// <param name="input">3 x <see cref="InferenceSize"/> x <see cref="InferenceSize"/> RGB values in [-1, 1],
    /// as <see cref="ImageNormalization.ResizeToPlanarRgb"/> produces them.</param>
    /// <param name="residual">Receives the residual, same shape as the input.</param>
    /// <exception cref="ArgumentException">A view has the wrong shape.</exception>
    /// <exception cref="MakeupModelException">The model produced a value that is not finite.</exception>
    public void Predict(ReadOnlyPlanarTensorView input, PlanarTensorView residual)
    {
        CheckResidualShape(input.Channels, input.Height, input.Width, nameof(input));
        CheckResidualShape(residual.Channels, residual.Height, residual.Width, nameof(residual));
        var workspace = RentWorkspace();
        try
        {
            input.Data.CopyTo(workspace.Input);
            Infer(workspace);
            workspace.Residual.AsSpan().CopyTo(residual.Data);
        }
        finally
        {
            ReturnWorkspace(workspace);
        }
    }

    /// <summary>
    /// Makes up a whole photo: predicts the residual and adds it at full resolution with the given intensity.
    /// <paramref name="source"/> and <paramref name="destination"/> may be the same memory (in-place).
    /// </summary>
    /// <param name="source">The photo.</param>
    /// <param name="destination">Receives the made-up photo; same size and layout as the source.</param>
    /// <param name="intensity">How strongly the makeup is applied: 0 leaves the photo unchanged, 1 is the model's
    /// full effect, up to 2 exaggerates it.</param>
    /// <exception cref="ArgumentException">The views differ in size or layout.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The intensity is outside [0, 2] or not finite.</exception>
    /// <exception cref="MakeupModelException">The model produced a value that is not finite.</exception>
    public void Apply(ReadOnlyImageView source, ImageView destination, float intensity = 1f)
    {
        var workspace = RentWorkspace();
        try
        {
            ImageNormalization.ResizeToPlanarRgb(source, workspace.InputView(InferenceSize));
            Infer(workspace);
            ResidualApplier.Apply(workspace.ResidualView(InferenceSize), source, destination, intensity);
        }
        finally
        {
            ReturnWorkspace(workspace);
        }
    }

    /// <summary>
    /// Makes up one region of a photo, such as a face inside a group photo: the region is cut out, resized to
    /// the inference size and made up; its residual is added back inside the region only, fading out over the
    /// region's feather width. Pixels outside the region are copied unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">The views differ in size or layout, or the region is not inside
    /// the photo.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The intensity is outside [0, 2] or not finite.</exception>
    /// <exception cref="MakeupModelException">The model produced a value that is not finite.</exception>
    public void Apply(ReadOnlyImageView source, ImageView destination, ResidualRegion region, float intensity = 1f)
    {
        var crop = Crop(source, region);
        var workspace = RentWorkspace();
        try
        {
            ImageNormalization.ResizeToPlanarRgb(crop, workspace.InputView(InferenceSize));
            Infer(workspace);
            ResidualApplier.Apply(workspace.ResidualView(InferenceSize), source, destination, region, intensity);
        }
        finally
        {
            ReturnWorkspace(workspace);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        while (_workspaces.TryTake(out var workspace))
        {
            workspace.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }

    internal static ReadOnlyImageView Crop(ReadOnlyImageView source, ResidualRegion region)
    {
        if (region.X < 0 || region.Y < 0 || region.Width < 1 || region.Height < 1
            || region.X + region.Width > source.Width || region.Y + region.Height > source.Height)
        {
            throw new ArgumentException(
                $"The region {region} does not lie inside the {source.Width}x{source.Height} photo.",
                nameof(region));
        }

        var bytesPerPixel = source.Layout.BytesPerPixel();
        var offset = region.Y * source.Stride + region.X * bytesPerPixel;
        var length = (region.Height - 1) * source.Stride + region.Width * bytesPerPixel;
        return new ReadOnlyImageView(
            source.Pixels.Slice(offset, length), region.Width, region.Height, source.Layout, source.Stride);
    }

    internal static void CheckIntensity(float intensity)
    {
        if (!float.IsFinite(intensity) || intensity < 0f || intensity > 2f)
        {
            throw new ArgumentOutOfRangeException(
                nameof(intensity), intensity, "The intensity must be a finite number from 0 to 2.");
        }
    }

    internal void CheckResidualShape(int channels, int height, int width, string parameterName)
    {
        if (channels != ImageChannels || height != InferenceSize || width != InferenceSize)
        {
            throw new ArgumentException(
                $"The tensor must be {ImageChannels}x{InferenceSize}x{InferenceSize} "
                + $"but is {channels}x{height}x{width}.",
                parameterName);
        }
    }

    private static MakeupSession Create(byte[] model, MakeupSessionOptions? options, string origin)
    {
        options ??= MakeupSessionOptions.Default;
        options.Validate();

        using var sessionOptions = new SessionOptions
        {
            LogSeverityLevel = options.LogLevel,
            GraphOptimizationLevel = options.GraphOptimization,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (!options.AllowThreadSpinning)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        if (options.ProfilePathPrefix is not null)
        {
            sessionOptions.EnableProfiling = true;
            sessionOptions.ProfileOutputPathPrefix = options.ProfilePathPrefix;
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new MakeupModelException(
                $"ONNX Runtime could not load {origin}: {FirstLine(exception.Message)}", exception);
        }

        try
        {
            return new MakeupSession(session, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The model's recorded training side, checked like an inference size; null when there is none.</summary>
    private static int? ReadRecordedSize(InferenceSession session)
    {
        if (!session.ModelMetadata.CustomMetadataMap.TryGetValue(
            MakeupSessionOptions.InferenceSizeMetadataKey, out var text))
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || !MakeupSessionOptions.IsInferenceSize(size))
        {
            throw new MakeupModelException(
                $"The model's metadata '{MakeupSessionOptions.InferenceSizeMetadataKey}' is '{text}', which is not "
                + "an inference size (a multiple of 4 of at least 8).");
        }

        return size;
    }

    /// <summary>The height of a model whose input is fixed to a square size, or null when it is symbolic.</summary>
    private static int? FixedInputSide(InferenceSession session)
    {
        var dimensions = session.InputMetadata.Count == 1 ? session.InputMetadata.First().Value.Dimensions : [];
        return dimensions.Length == 4 && dimensions[2] > 0 && dimensions[2] == dimensions[3] ? dimensions[2] : null;
    }

    private static (string[] Inputs, string[] Outputs) CheckSignature(InferenceSession session, int inferenceSize)
    {
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
        {
            throw new MakeupModelException(
                $"A makeup model has one input and one output, but this one has {session.InputMetadata.Count} "
                + $"inputs and {session.OutputMetadata.Count} outputs.");
        }

        var (inputName, input) = session.InputMetadata.First();
        var (outputName, output) = session.OutputMetadata.First();
        CheckImageTensor("input", inputName, input, inferenceSize);
        CheckImageTensor("output", outputName, output, inferenceSize);
        return ([inputName], [outputName]);
    }

    private static void CheckImageTensor(string role, string name, NodeMetadata metadata, int inferenceSize)
    {
        if (!metadata.IsTensor || metadata.ElementType != typeof(float))
        {
            throw new MakeupModelException(
                $"The model's {role} '{name}' must be a float32 tensor but is {metadata.ElementType.Name}.");
        }

        var dimensions = metadata.Dimensions;
        if (dimensions.Length != 4)
        {
            throw new MakeupModelException(
                $"The model's {role} '{name}' must have 4 dimensions (batch, channels, height, width) "
                + $"but has {dimensions.Length}.");
        }

        if (dimensions[1] != ImageChannels)
        {
            var actual = dimensions[1] < 0 ? "a symbolic count" : dimensions[1].ToString(CultureInfo.InvariantCulture);
            throw new MakeupModelException(
                $"The model's {role} '{name}' must have {ImageChannels} channels (RGB) but has {actual}.");
        }

        foreach (var side in dimensions.AsSpan(2))
        {
            if (side > 0 && side != inferenceSize)
            {
                throw new MakeupModelException(
                    $"The model's {role} '{name}' is fixed to {dimensions[2]}x{dimensions[3]} pixels, "
                    + $"but the session's inference size is {inferenceSize}; set InferenceSize to match.");
            }
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }

    private void Infer(Workspace workspace)
    {
        try
        {
            _session.Run(_runOptions, _inputNames, workspace.Inputs, _outputNames, workspace.Outputs);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new MakeupModelException($"The model failed to run: {FirstLine(exception.Message)}", exception);
        }

        if (!float.IsFinite(TensorPrimitives.Sum<float>(workspace.Residual)))
        {
            throw new MakeupModelException(
                "The model produced a residual with values that are not finite (NaN or infinity); "
                + "the model file is probably damaged or was trained to divergence.");
        }
    }

    private Workspace RentWorkspace()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _workspaces.TryTake(out var workspace) ? workspace : new Workspace(1, InferenceSize);
    }

    private void ReturnWorkspace(Workspace workspace)
    {
        if (_disposed)
        {
            workspace.Dispose();
            return;
        }

        _workspaces.Add(workspace);
    }

    /// <summary>The input and residual tensors of one call, pinned for ONNX Runtime while it lives.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly OrtValue _inputValue;
        private readonly OrtValue _residualValue;

        public Workspace(int batch, int size)
        {
            var length = batch * ImageChannels * size * size;
            long[] shape = [batch, ImageChannels, size, size];
            Input = new float[length];
            Residual = new float[length];
            _inputValue = OrtValue.CreateTensorValueFromMemory(Input, shape);
            _residualValue = OrtValue.CreateTensorValueFromMemory(Residual, shape);
            Inputs = [_inputValue];
            Outputs = [_residualValue];
        }

        public float[] Input { get; }

        public float[] Residual { get; }

        public OrtValue[] Inputs { get; }

        public OrtValue[] Outputs { get; }

        public PlanarTensorView InputView(int size, int index = 0) => Slice(Input, size, index);

        public PlanarTensorView ResidualView(int size, int index = 0) => Slice(Residual, size, index);

        private static PlanarTensorView Slice(float[] batch, int size, int index)
        {
            var length = ImageChannels * size * size;
            return new PlanarTensorView(batch.AsSpan(index * length, length), ImageChannels, size, size);
        }

        public void Dispose()
        {
            _inputValue.Dispose();
            _residualValue.Dispose();
        }
    }
}
