using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Core;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// Finds faces with MediaPipe's BlazeFace detector (the 256 x 256 "back camera" variant, embedded in this
/// assembly): the photo is letterboxed to a square, resized to 256 x 256, and the model's 896 anchor predictions
/// are decoded, thresholded and merged by non-maximum suppression.
/// </summary>
/// <remarks>
/// <para>
/// A detector is thread-safe: any number of threads may call <see cref="Detect"/> at once. Each call allocates
/// its own buffers (about 1 MB for the resized photo and its float copy); ONNX Runtime's session is shared.
/// <see cref="Dispose"/> must not run while another thread is still inside a call.
/// </para>
/// <para>
/// The whole photo is shrunk to 256 pixels on its longer side (OpenCV-style bilinear, which does not average
/// over the pixels it skips), so small faces are lost; the smallest face found reliably has not been measured.
/// The model is not limited to upright faces: the astronaut photo turned by 90 degrees is still found.
/// </para>
/// </remarks>
public sealed class FaceDetector : IDisposable
{
    /// <summary>The side of the square the photo is resized to before inference.</summary>
    public const int InputSize = 256;

    /// <summary>The intersection over union above which a lower-scoring detection is suppressed.</summary>
    public const float OverlapThreshold = 0.3f;

    /// <summary>
    /// The shorter side, in pixels, below which a photo is refused as too small to hold a detectable face: 32.
    /// </summary>
    /// <remarks>A face can be no larger than the photo. Below 32 pixels it has fewer pixels than the face mesh has
    /// landmarks (468) and the detector sees it enlarged eightfold or more, so anything found would be a guess.
    /// Every face path (mask drawing, per-face makeup, the amplifiers) checks photos with
    /// <see cref="DescribeTooSmall"/> so that they all refuse the same photos with the same words.</remarks>
    public const int MinPhotoSide = 32;

    private const int Channels = 3;
    private const int Regressors = 16;
    private const int FineAnchors = 512;
    private const int CoarseAnchors = 384;

    private static readonly Vector2[] s_anchors = CreateAnchors();
    private static readonly string[] s_outputNames = ["Identity", "Identity_1", "Identity_2", "Identity_3"];
    private static readonly long[] s_inputShape = [1, InputSize, InputSize, Channels];

    private readonly InferenceSession _session;
    private volatile bool _disposed;

    /// <summary>Says why a photo is too small to hold a detectable face, or returns null when it is large enough
    /// (its shorter side is at least <see cref="MinPhotoSide"/> pixels).</summary>
    /// <param name="width">The photo's width in pixels.</param>
    /// <param name="height">The photo's height in pixels.</param>
    /// <param name="photoPath">The photo's file, named in the message; null for "the photo".</param>
    /// <returns>A one-sentence message giving the actual size and the minimum, or null.</returns>
    public static string? DescribeTooSmall(int width, int height, string? photoPath = null)
    {
        if (Math.Min(width, height) >= MinPhotoSide)
        {
            return null;
        }

        var photo = photoPath is null ? "The photo" : $"The photo '{photoPath}'";
        return $"{photo} is {width} x {height} pixels, too small to hold a detectable face: "
            + $"its shorter side needs at least {MinPhotoSide} pixels.";
    }

    /// <summary>Loads the embedded BlazeFace model.</summary>
    /// <param name="intraOpThreads">The threads ONNX Runtime uses inside one inference; 0 (the default) lets it
    /// choose one per physical core.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="intraOpThreads"/> is negative.</exception>
    /// <exception cref="MakeupModelException">ONNX Runtime cannot load the embedded model.</exception>
    public FaceDetector(int intraOpThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        _session = FaceModelLoader.Open("blazeface", intraOpThreads);
    }

    /// <summary>
    /// Finds the faces in a photo.
    /// </summary>
    /// <param name="photo">The photo, any size and layout (alpha is ignored).</param>
    /// <param name="minScore">The lowest detection probability kept, in [0, 1]; default 0.5.</param>
    /// <returns>The faces, highest score first, in photo pixels; empty when none scores at least
    /// <paramref name="minScore"/>. Overlapping detections (intersection over union above
    /// <see cref="OverlapThreshold"/>) are reduced to the best one.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minScore"/> is outside [0, 1] or NaN.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The detector has been disposed.</exception>
    public IReadOnlyList<DetectedFace> Detect(ReadOnlyImageView photo, float minScore = 0.5f)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!(minScore >= 0f && minScore <= 1f))
        {
            throw new ArgumentOutOfRangeException(
                nameof(minScore), minScore, $"The minimum score must lie in [0, 1], but was {minScore}.");
        }

        var input = new float[InputSize * InputSize * Channels];
        var frame = Letterbox(photo, input);
        var outputs = FaceModelLoader.Run(_session, "input", input, s_inputShape, s_outputNames);

        var candidates = Decode(outputs, frame, minScore);
        return Suppress(candidates);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _session.Dispose();
    }

    /// <summary>
    /// Builds the SSD anchor centres of the model in input pixels: a 16 x 16 grid (stride 16) with 2 anchors per
    /// cell, then an 8 x 8 grid (stride 32) with 6 anchors per cell, row by row, the anchors of a cell adjacent.
    /// All anchors have unit size (MediaPipe's fixed_anchor_size), so only their centres matter.
    /// </summary>
    internal static Vector2[] CreateAnchors()
    {
        var anchors = new Vector2[FineAnchors + CoarseAnchors];
        var index = 0;
        foreach (var (stride, perCell) in new[] { (16, 2), (32, 6) })
        {
            var cells = InputSize / stride;
            for (var y = 0; y < cells; y++)
            {
                for (var x = 0; x < cells; x++)
                {
                    var centre = new Vector2(stride * (x + 0.5f), stride * (y + 0.5f));
                    for (var n = 0; n < perCell; n++)
                    {
                        anchors[index++] = centre;
                    }
                }
            }
        }

        return anchors;
    }

    /// <summary>
    /// Resizes the photo, aspect kept, into the centre of a black 256 x 256 square and writes it as NHWC RGB
    /// floats scaled to [-1, 1]. Returns how input pixels map back to photo pixels.
    /// </summary>
    private static Letterboxing Letterbox(ReadOnlyImageView photo, float[] input)
    {
        var side = Math.Max(photo.Width, photo.Height);
        var width = Math.Clamp((int)MathF.Round((float)photo.Width * InputSize / side), 1, InputSize);
        var height = Math.Clamp((int)MathF.Round((float)photo.Height * InputSize / side), 1, InputSize);
        var left = (InputSize - width) / 2;
        var top = (InputSize - height) / 2;

        var bytesPerPixel = photo.Layout.BytesPerPixel();
        var stride = InputSize * bytesPerPixel;
        var square = new byte[InputSize * stride];
        var region = square.AsSpan((top * stride) + (left * bytesPerPixel));
        ImageResize.Bilinear(photo, new ImageView(region, width, height, photo.Layout, stride));

        var red = photo.Layout == PixelLayout.Bgr24 ? 2 : 0;
        var blue = 2 - red;
        for (var y = 0; y < InputSize; y++)
        {
            var row = square.AsSpan(y * stride, stride);
            var target = input.AsSpan(y * InputSize * Channels, InputSize * Channels);
            for (var x = 0; x < InputSize; x++)
            {
                var pixel = row.Slice(x * bytesPerPixel, Channels);
                target[(3 * x) + 0] = (pixel[red] / 127.5f) - 1f;
                target[(3 * x) + 1] = (pixel[1] / 127.5f) - 1f;
                target[(3 * x) + 2] = (pixel[blue] / 127.5f) - 1f;
            }
        }

        return new Letterboxing(left, top, (float)photo.Width / width, (float)photo.Height / height);
    }

    /// <summary>Turns the raw outputs into photo-space detections scoring at least the threshold.</summary>
    private static List<DetectedFace> Decode(float[][] outputs, Letterboxing frame, float minScore)
    {
        var candidates = new List<DetectedFace>();
        for (var i = 0; i < s_anchors.Length; i++)
        {
            var fine = i < FineAnchors;
            var logit = fine ? outputs[0][i] : outputs[1][i - FineAnchors];
            var score = 1f / (1f + MathF.Exp(-Math.Clamp(logit, -80f, 80f)));
            if (score < minScore)
            {
                continue;
            }

            // Regressors: box centre offset from the anchor, box width and height, then six keypoint offsets,
            // all in pixels of the 256 x 256 input.
            var raw = fine
                ? outputs[2].AsSpan(i * Regressors, Regressors)
                : outputs[3].AsSpan((i - FineAnchors) * Regressors, Regressors);
            var anchor = s_anchors[i];
            var centre = frame.ToPhoto(new Vector2(raw[0], raw[1]) + anchor);
            var size = new Vector2(MathF.Abs(raw[2]) * frame.ScaleX, MathF.Abs(raw[3]) * frame.ScaleY);
            var box = new FaceBox(centre.X - (size.X / 2f), centre.Y - (size.Y / 2f), size.X, size.Y);

            var keypoints = new Vector2[DetectedFace.KeypointCount];
            for (var k = 0; k < keypoints.Length; k++)
            {
                keypoints[k] = frame.ToPhoto(new Vector2(raw[4 + (2 * k)], raw[5 + (2 * k)]) + anchor);
            }

            candidates.Add(new DetectedFace(box, score, keypoints));
        }

        return candidates;
    }

    /// <summary>Plain non-maximum suppression: keeps the best detection of every overlapping group.</summary>
    private static List<DetectedFace> Suppress(List<DetectedFace> candidates)
    {
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = new List<DetectedFace>();
        foreach (var candidate in candidates)
        {
            var overlaps = false;
            foreach (var face in kept)
            {
                if (face.Box.IntersectionOverUnion(candidate.Box) > OverlapThreshold)
                {
                    overlaps = true;
                    break;
                }
            }

            if (!overlaps)
            {
                kept.Add(candidate);
            }
        }

        return kept;
    }

    /// <summary>Where the resized photo sits in the 256 x 256 input, and its scale back to photo pixels.</summary>
    private readonly record struct Letterboxing(int Left, int Top, float ScaleX, float ScaleY)
    {
        public Vector2 ToPhoto(Vector2 input) => new((input.X - Left) * ScaleX, (input.Y - Top) * ScaleY);
    }
}
