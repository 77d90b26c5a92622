using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Core;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// Refines the eyes of face meshes with MediaPipe's iris model: each eye is cut out as a square
/// <see cref="CropScale"/> times the distance between its corners, centred between them and turned like the face
/// crop, resampled to 64 x 64, mirrored for the subject's left eye (the model was trained on right eyes), and the
/// model's eye contour and iris points are mapped back to photo pixels.
/// </summary>
internal sealed class EyeRefiner : IDisposable
{
    /// <summary>The side of the square crop the iris model reads.</summary>
    public const int CropPixels = 64;

    /// <summary>How much larger than the distance between the eye corners the crop is (MediaPipe's value).</summary>
    public const float CropScale = 2.3f;

    /// <summary>The eye-contour points the model returns before the iris points.</summary>
    public const int ContourPointCount = 71;

    /// <summary>All points the model returns for one eye: the contour, then the iris.</summary>
    public const int ModelPointCount = ContourPointCount + FaceIrises.PointsPerEye;

    private const string InputName = "input_1";
    private static readonly string[] s_outputNames = ["Identity"];

    private readonly InferenceSession _session;
    private readonly bool _acceptsBatches;

    /// <summary>Opens the embedded iris model.</summary>
    /// <param name="intraOpThreads">The threads ONNX Runtime uses inside one inference; 0 lets it choose.</param>
    /// <exception cref="MakeupModelException">ONNX Runtime cannot load the embedded model.</exception>
    public EyeRefiner(int intraOpThreads)
    {
        _session = FaceModelLoader.Open("iris", intraOpThreads);
        _acceptsBatches = _session.InputMetadata[InputName].Dimensions[0] != 1;
    }

    /// <summary>
    /// The subject's right eye, the one the model was trained on, around mesh points 33 (outer corner) and 133
    /// (inner corner).
    /// </summary>
    public static EyeSide RightEye { get; } = new(
        OuterCorner: 33,
        InnerCorner: 133,
        Mirrored: false,
        LowerLid: [33, 7, 163, 144, 145, 153, 154, 155, 133],
        UpperLid: [246, 161, 160, 159, 158, 157, 173]);

    /// <summary>The subject's left eye, around mesh points 263 (outer corner) and 362 (inner corner).</summary>
    public static EyeSide LeftEye { get; } = new(
        OuterCorner: 263,
        InnerCorner: 362,
        Mirrored: true,
        LowerLid: [263, 249, 390, 373, 374, 380, 381, 382, 362],
        UpperLid: [466, 388, 387, 386, 385, 384, 398]);

    /// <summary>
    /// Returns the square crop of one eye: centred between its corners, <see cref="CropScale"/> times the distance
    /// between them, turned by the face crop's angle so that the eye line lies along its u axis.
    /// </summary>
    public static FaceCrop CropFor(FaceLandmarks face, EyeSide eye)
    {
        var outer = Flat(face.Points[eye.OuterCorner]);
        var inner = Flat(face.Points[eye.InnerCorner]);
        var size = Vector2.Distance(outer, inner) * CropScale;
        if (!(size > 0f))
        {
            throw new MakeupModelException(
                $"The eye corners {eye.OuterCorner} and {eye.InnerCorner} of the face mesh coincide, so the eye "
                + "cannot be cropped for the iris model.");
        }

        return new FaceCrop((outer + inner) / 2f, size, face.Crop.Angle);
    }

    /// <summary>
    /// Runs the iris model on the given eyes of every face and returns, face by face and eye by eye in the order
    /// of <paramref name="sides"/>, the <see cref="ModelPointCount"/> points in photo pixels, in the model's order
    /// (the contour is numbered as for the right eye whichever eye it is).
    /// </summary>
    public Vector2[][] FindEyePoints(
        ReadOnlyImageView photo,
        IReadOnlyList<FaceLandmarks> faces,
        IReadOnlyList<EyeSide> sides)
    {
        var eyeCount = faces.Count * sides.Count;
        var crops = new FaceCrop[eyeCount];
        var cropLength = CropPixels * CropPixels * FaceMesh.Channels;
        var input = new float[eyeCount * cropLength];
        for (var i = 0; i < eyeCount; i++)
        {
            var side = sides[i % sides.Count];
            crops[i] = CropFor(faces[i / sides.Count], side);
            FaceMesh.SampleCrop(photo, crops[i], CropPixels, side.Mirrored, input.AsSpan(i * cropLength, cropLength));
        }

        var raw = RunModel(input, eyeCount, cropLength);

        var result = new Vector2[eyeCount][];
        var eyeLength = ModelPointCount * 3;
        for (var i = 0; i < eyeCount; i++)
        {
            var values = raw.AsSpan(i * eyeLength, eyeLength);
            var points = new Vector2[ModelPointCount];
            for (var p = 0; p < points.Length; p++)
            {
                var x = values[3 * p];
                var y = values[(3 * p) + 1];
                if (!float.IsFinite(x) || !float.IsFinite(y))
                {
                    throw new MakeupModelException(
                        $"The iris model returned a non-finite value for point {p} of eye {i % sides.Count} of "
                        + $"face {i / sides.Count}.");
                }

                var u = x / CropPixels;
                var mirrored = sides[i % sides.Count].Mirrored;
                points[p] = crops[i].ToPhoto(new Vector2(mirrored ? 1f - u : u, y / CropPixels));
            }

            result[i] = points;
        }

        return result;
    }

    /// <summary>
    /// Returns each face with its eyelid landmarks (the lash lines <see cref="EyeSide.LowerLid"/> and
    /// <see cref="EyeSide.UpperLid"/>) moved to the iris model's contour, keeping their depth, and with
    /// <see cref="FaceLandmarks.Irises"/> set.
    /// </summary>
    public IReadOnlyList<FaceLandmarks> Refine(ReadOnlyImageView photo, IReadOnlyList<FaceLandmarks> faces)
    {
        if (faces.Count == 0)
        {
            return faces;
        }

        var eyes = FindEyePoints(photo, faces, [RightEye, LeftEye]);

        var result = new FaceLandmarks[faces.Count];
        for (var f = 0; f < faces.Count; f++)
        {
            var points = faces[f].Points.ToArray();
            var right = eyes[2 * f];
            var left = eyes[(2 * f) + 1];
            RightEye.MoveLids(points, right);
            LeftEye.MoveLids(points, left);
            var irises = new FaceIrises(right[ContourPointCount..], left[ContourPointCount..]);
            result[f] = faces[f] with { Points = points, Irises = irises };
        }

        return result;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();

    private float[] RunModel(float[] input, int eyeCount, int cropLength)
    {
        if (_acceptsBatches)
        {
            long[] shape = [eyeCount, CropPixels, CropPixels, FaceMesh.Channels];
            return FaceModelLoader.Run(_session, InputName, input, shape, s_outputNames)[0];
        }

        var output = new float[eyeCount * ModelPointCount * 3];
        long[] single = [1, CropPixels, CropPixels, FaceMesh.Channels];
        for (var i = 0; i < eyeCount; i++)
        {
            var crop = input[(i * cropLength)..((i + 1) * cropLength)];
            var eye = FaceModelLoader.Run(_session, InputName, crop, single, s_outputNames)[0];
            eye.CopyTo(output, i * eye.Length);
        }

        return output;
    }

    private static Vector2 Flat(Vector3 point) => new(point.X, point.Y);

    /// <summary>One eye: its corner landmarks, whether the model sees it mirrored, and its eyelid lines.</summary>
    /// <param name="OuterCorner">The mesh index of the outer (temple-side) corner.</param>
    /// <param name="InnerCorner">The mesh index of the inner (nose-side) corner.</param>
    /// <param name="Mirrored">Whether the crop is flipped left-right before the model sees it.</param>
    /// <param name="LowerLid">The mesh indices of the lower lash line, outer corner to inner corner; iris-model
    /// contour points 0 to 8 in order.</param>
    /// <param name="UpperLid">The mesh indices of the upper lash line between the corners, outer to inner;
    /// iris-model contour points 9 to 15 in order.</param>
    internal sealed record EyeSide(
        int OuterCorner,
        int InnerCorner,
        bool Mirrored,
        IReadOnlyList<int> LowerLid,
        IReadOnlyList<int> UpperLid)
    {
        /// <summary>The contour index of the first upper-lid point.</summary>
        public const int FirstUpperContourPoint = 9;

        /// <summary>Moves the eyelid landmarks of <paramref name="points"/> to the model's contour points, keeping
        /// their depth.</summary>
        public void MoveLids(Vector3[] points, Vector2[] eyePoints)
        {
            for (var i = 0; i < LowerLid.Count; i++)
            {
                var index = LowerLid[i];
                points[index] = new Vector3(eyePoints[i], points[index].Z);
            }

            for (var i = 0; i < UpperLid.Count; i++)
            {
                var index = UpperLid[i];
                points[index] = new Vector3(eyePoints[FirstUpperContourPoint + i], points[index].Z);
            }
        }
    }
}
