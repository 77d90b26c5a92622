using System.Numerics;

namespace TinyBeauty.Onnx.Faces;

/// <summary>The 468-point MediaPipe face mesh of one face, in photo pixels.</summary>
/// <param name="Points">
/// The 468 landmarks in MediaPipe's canonical order (1 is the nose tip, 33 and 263 the outer eye corners).
/// X and Y are photo pixels (x right, y down, pixel centres at half-integers); Z is depth relative to the face
/// centre in the same pixel scale, smaller values being nearer the camera.
/// </param>
/// <param name="FaceFlag">The landmark model's probability, in [0, 1], that the crop holds a face.</param>
/// <param name="Detection">The detection the crop was built from.</param>
/// <param name="Crop">The rotated square of the photo the landmark model saw.</param>
public sealed record FaceLandmarks(
    IReadOnlyList<Vector3> Points,
    float FaceFlag,
    DetectedFace Detection,
    FaceCrop Crop)
{
    /// <summary>The number of landmarks of every mesh.</summary>
    public const int PointCount = 468;

    /// <summary>
    /// Gets the iris landmarks of both eyes when <see cref="FaceMesh.RefineEyes"/> is on, or
    /// <see langword="null"/> when the eyes were not refined. When set, the eyelid landmarks of
    /// <see cref="Points"/> come from the same iris model run.
    /// </summary>
    public FaceIrises? Irises { get; init; }
}
