using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Core;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// Finds faces and their 468-point MediaPipe face mesh. Each face found by a <see cref="FaceDetector"/> is cut
/// out as a square <see cref="CropScale"/> times the larger side of its box, rotated so that the eyes lie on a
/// horizontal line, resampled to 192 x 192 (bilinear, black outside the photo), and passed to the embedded
/// landmark model; the landmarks are mapped back to photo pixels through the inverse rotation and scale.
/// </summary>
/// <remarks>
/// <para>
/// A mesh finder is thread-safe: any number of threads may call <see cref="Find"/> at once. Each call allocates
/// its own buffers (about 440 KB per face, 100 KB more with <see cref="RefineEyes"/>); the ONNX Runtime sessions
/// are shared. <see cref="Dispose"/> must not run while another thread is still inside a call.
/// </para>
/// <para>
/// This is MediaPipe's single-shot path (detection then landmarks on every call); it does not track faces from
/// frame to frame. With <see cref="RefineEyes"/> on, the eyelid lines are refined and the irises found with the
/// embedded iris model; the lips, the brows and the rings of landmarks around the eyes keep the mesh's values.
/// Refinement runs the iris model twice per face and roughly doubles the time of <see cref="Find"/>.
/// </para>
/// </remarks>
public sealed class FaceMesh : IDisposable
{
    /// <summary>The side of the square crop the landmark model reads.</summary>
    public const int CropPixels = 192;

    /// <summary>How much larger than the detection box the crop is, as MediaPipe's face landmark graph sets it.
    /// </summary>
    public const float CropScale = 1.5f;

    internal const int Channels = 3;
    private static readonly string[] s_outputNames = ["output_mesh", "output_faceflag"];

    private readonly InferenceSession _session;
    private readonly EyeRefiner? _eyeRefiner;
    private volatile bool _disposed;

    /// <summary>Loads the embedded detector and landmark models.</summary>
    /// <param name="minDetectionScore">The lowest detection probability kept, in [0, 1]; default 0.5.</param>
    /// <param name="minFaceFlag">The lowest face-flag probability kept, in [0, 1]; default 0.5.</param>
    /// <param name="intraOpThreads">The threads ONNX Runtime uses inside one inference; 0 lets it choose.</param>
    /// <param name="refineEyes">Whether to refine the eyes with the embedded iris model (see
    /// <see cref="RefineEyes"/>); default off.</param>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside [0, 1] or
    /// <paramref name="intraOpThreads"/> is negative.</exception>
    /// <exception cref="MakeupModelException">ONNX Runtime cannot load an embedded model.</exception>
    public FaceMesh(
        float minDetectionScore = 0.5f,
        float minFaceFlag = 0.5f,
        int intraOpThreads = 0,
        bool refineEyes = false)
    {
        CheckProbability(minDetectionScore, nameof(minDetectionScore));
        CheckProbability(minFaceFlag, nameof(minFaceFlag));
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        MinDetectionScore = minDetectionScore;
        MinFaceFlag = minFaceFlag;
        Detector = new FaceDetector(intraOpThreads);
        try
        {
            _session = FaceModelLoader.Open("facemesh", intraOpThreads);
        }
        catch
        {
            Detector.Dispose();
            throw;
        }

        if (refineEyes)
        {
            try
            {
                _eyeRefiner = new EyeRefiner(intraOpThreads);
            }
            catch
            {
                _session.Dispose();
                Detector.Dispose();
                throw;
            }
        }
    }

    /// <summary>Gets the detector that finds the faces; it is owned and disposed by this instance.</summary>
    public FaceDetector Detector { get; }

    /// <summary>Gets the lowest detection probability kept.</summary>
    public float MinDetectionScore { get; }

    /// <summary>Gets the lowest face-flag probability kept.</summary>
    public float MinFaceFlag { get; }

    /// <summary>
    /// Gets whether <see cref="Find"/> refines the eyes with the iris model. When on, each eye is cut out as a
    /// square 2.3 times the distance between its corners (mesh points 33 and 133, 362 and 263), turned like the
    /// face crop, resampled to 64 x 64 and mirrored for the subject's left eye; the 16 eyelid landmarks of each
    /// eye (the lash lines of <see cref="FaceMasks.RightEyeIndices"/> and <see cref="FaceMasks.LeftEyeIndices"/>)
    /// move to the model's eye contour in x and y, keeping the mesh's depth, and
    /// <see cref="FaceLandmarks.Irises"/> holds the five iris points of each eye. When off, results are exactly
    /// those of the mesh alone and <see cref="FaceLandmarks.Irises"/> is <see langword="null"/>.
    /// </summary>
    public bool RefineEyes => _eyeRefiner is not null;

    /// <summary>Finds every face in a photo and its landmarks.</summary>
    /// <param name="photo">The photo, any size and layout (alpha is ignored).</param>
    /// <returns>One mesh per detected face whose face flag reaches <see cref="MinFaceFlag"/>, in the detector's
    /// order (highest detection score first); empty when there is none.</returns>
    /// <exception cref="ObjectDisposedException">The instance has been disposed.</exception>
    /// <exception cref="MakeupModelException">The landmark or iris model produced a value that is not finite.
    /// </exception>
    public IReadOnlyList<FaceLandmarks> Find(ReadOnlyImageView photo)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var faces = Detector.Detect(photo, MinDetectionScore);
        if (faces.Count == 0)
        {
            return [];
        }

        var crops = new FaceCrop[faces.Count];
        var cropLength = CropPixels * CropPixels * Channels;
        var input = new float[faces.Count * cropLength];
        for (var i = 0; i < faces.Count; i++)
        {
            crops[i] = CropFor(faces[i]);
            SampleCrop(photo, crops[i], input.AsSpan(i * cropLength, cropLength));
        }

        long[] shape = [faces.Count, CropPixels, CropPixels, Channels];
        var outputs = FaceModelLoader.Run(_session, "input_1", input, shape, s_outputNames);
        var mesh = outputs[0];
        var flags = outputs[1];

        var result = new List<FaceLandmarks>(faces.Count);
        var meshLength = FaceLandmarks.PointCount * 3;
        for (var i = 0; i < faces.Count; i++)
        {
            if (!(flags[i] >= MinFaceFlag))
            {
                continue;
            }

            var points = new Vector3[FaceLandmarks.PointCount];
            var raw = mesh.AsSpan(i * meshLength, meshLength);
            for (var p = 0; p < points.Length; p++)
            {
                var x = raw[3 * p];
                var y = raw[(3 * p) + 1];
                var z = raw[(3 * p) + 2];
                if (!float.IsFinite(x) || !float.IsFinite(y) || !float.IsFinite(z))
                {
                    throw new MakeupModelException(
                        $"The face landmark model returned a non-finite value for point {p} of face {i}.");
                }

                var photoPoint = crops[i].ToPhoto(new Vector2(x / CropPixels, y / CropPixels));
                points[p] = new Vector3(photoPoint, z * crops[i].Size / CropPixels);
            }

            result.Add(new FaceLandmarks(points, flags[i], faces[i], crops[i]));
        }

        return _eyeRefiner is null ? result : _eyeRefiner.Refine(photo, result);
    }

    /// <summary>Releases the ONNX Runtime sessions.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _session.Dispose();
        _eyeRefiner?.Dispose();
        Detector.Dispose();
    }

    /// <summary>
    /// Returns the crop for a detection: centred on its box, <see cref="CropScale"/> times its larger side, turned
    /// by the angle of the line from the subject's right eye to the left eye.
    /// </summary>
    /// <param name="face">The detection.</param>
    /// <returns>The square region of the photo.</returns>
    public static FaceCrop CropFor(DetectedFace face)
    {
        ArgumentNullException.ThrowIfNull(face);
        var eyes = face.LeftEye - face.RightEye;
        var angle = MathF.Atan2(eyes.Y, eyes.X);
        var size = MathF.Max(face.Box.Width, face.Box.Height) * CropScale;
        return new FaceCrop(face.Box.Center, size, angle);
    }

    /// <summary>
    /// Samples a rotated square of the photo into <paramref name="target"/>, 192 x 192 NHWC RGB floats in [0, 1].
    /// Output pixel (i, j) reads the photo bilinearly at the crop point ((i + 0.5) / 192, (j + 0.5) / 192); taps
    /// outside the photo count as black.
    /// </summary>
    internal static void SampleCrop(ReadOnlyImageView photo, FaceCrop crop, Span<float> target) =>
        SampleCrop(photo, crop, CropPixels, mirrored: false, target);

    /// <summary>
    /// Samples a rotated square of the photo into <paramref name="target"/>, <paramref name="side"/> squared NHWC
    /// RGB floats in [0, 1]. Output pixel (i, j) reads the photo bilinearly at the crop point
    /// ((i + 0.5) / side, (j + 0.5) / side), or at (1 - (i + 0.5) / side, (j + 0.5) / side) when
    /// <paramref name="mirrored"/> (a left-right flip of the crop); taps outside the photo count as black.
    /// </summary>
    internal static void SampleCrop(
        ReadOnlyImageView photo,
        FaceCrop crop,
        int side,
        bool mirrored,
        Span<float> target)
    {
        if (target.Length != side * side * Channels)
        {
            throw new ArgumentException(
                $"The crop buffer holds {target.Length} floats, but {side} x {side} x {Channels} are needed.",
                nameof(target));
        }

        var bytesPerPixel = photo.Layout.BytesPerPixel();
        var red = photo.Layout == PixelLayout.Bgr24 ? 2 : 0;
        var blue = 2 - red;
        var pixels = photo.Pixels;
        Span<float> colour = stackalloc float[Channels];

        for (var j = 0; j < side; j++)
        {
            for (var i = 0; i < side; i++)
            {
                var u = (i + 0.5f) / side;
                var point = crop.ToPhoto(new Vector2(mirrored ? 1f - u : u, (j + 0.5f) / side));

                // Pixel centres sit at half-integers, so tap (x0, y0) is the pixel whose centre is up-left.
                var sx = point.X - 0.5f;
                var sy = point.Y - 0.5f;
                var x0 = (int)MathF.Floor(sx);
                var y0 = (int)MathF.Floor(sy);
                var fx = sx - x0;
                var fy = sy - y0;
                colour.Clear();
                for (var dy = 0; dy < 2; dy++)
                {
                    var y = y0 + dy;
                    if (y < 0 || y >= photo.Height)
                    {
                        continue;
                    }

                    var wy = dy == 0 ? 1f - fy : fy;
                    for (var dx = 0; dx < 2; dx++)
                    {
                        var x = x0 + dx;
                        if (x < 0 || x >= photo.Width)
                        {
                            continue;
                        }

                        var weight = wy * (dx == 0 ? 1f - fx : fx);
                        var offset = (y * photo.Stride) + (x * bytesPerPixel);
                        colour[0] += weight * pixels[offset + red];
                        colour[1] += weight * pixels[offset + 1];
                        colour[2] += weight * pixels[offset + blue];
                    }
                }

                var output = target.Slice(((j * side) + i) * Channels, Channels);
                output[0] = colour[0] / 255f;
                output[1] = colour[1] / 255f;
                output[2] = colour[2] / 255f;
            }
        }
    }

    private static void CheckProbability(float value, string name)
    {
        if (!(value >= 0f && value <= 1f))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1], but was {value}.");
        }
    }
}
