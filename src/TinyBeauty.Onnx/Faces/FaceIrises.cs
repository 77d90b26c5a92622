using System.Numerics;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// The iris landmarks of one face's two eyes, found by MediaPipe's iris model when <see cref="FaceMesh"/> refines
/// the eyes, in photo pixels (x right, y down, pixel centres at half-integers).
/// </summary>
/// <param name="RightEye">
/// The subject's right eye, the one around mesh points 33 and 133 (on the photo's left when the face looks at the
/// camera): <see cref="PointsPerEye"/> points, the iris centre first, then four points on the iris edge, towards
/// the eye's inner corner, the upper lid, the outer corner and the lower lid, in that order.
/// </param>
/// <param name="LeftEye">
/// The subject's left eye, around mesh points 362 and 263, in the same order as <paramref name="RightEye"/>.
/// </param>
public sealed record FaceIrises(IReadOnlyList<Vector2> RightEye, IReadOnlyList<Vector2> LeftEye)
{
    /// <summary>The number of iris landmarks of each eye.</summary>
    public const int PointsPerEye = 5;
}
