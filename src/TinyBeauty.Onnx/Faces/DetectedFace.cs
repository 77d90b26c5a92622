using System.Numerics;

namespace TinyBeauty.Onnx.Faces;

/// <summary>
/// One face found by <see cref="FaceDetector"/>, in pixels of the photo that was searched (x right, y down,
/// pixel centres at half-integers).
/// </summary>
/// <param name="Box">The face rectangle; it covers roughly brows to chin and ear to ear.</param>
/// <param name="Score">The detector's confidence, a probability in [0, 1].</param>
/// <param name="Keypoints">
/// Six points, always in this order: the subject's right eye, left eye, nose tip, mouth centre, right ear tragion
/// and left ear tragion. For a frontal, upright face the subject's right eye is on the left of the picture.
/// </param>
public sealed record DetectedFace(FaceBox Box, float Score, IReadOnlyList<Vector2> Keypoints)
{
    /// <summary>The number of keypoints of every detection.</summary>
    public const int KeypointCount = 6;

    /// <summary>Gets the centre of the subject's right eye (keypoint 0).</summary>
    public Vector2 RightEye => Keypoints[0];

    /// <summary>Gets the centre of the subject's left eye (keypoint 1).</summary>
    public Vector2 LeftEye => Keypoints[1];

    /// <summary>Gets the nose tip (keypoint 2).</summary>
    public Vector2 Nose => Keypoints[2];

    /// <summary>Gets the centre of the mouth (keypoint 3).</summary>
    public Vector2 Mouth => Keypoints[3];

    /// <summary>Gets the subject's right ear tragion (keypoint 4).</summary>
    public Vector2 RightEar => Keypoints[4];

    /// <summary>Gets the subject's left ear tragion (keypoint 5).</summary>
    public Vector2 LeftEar => Keypoints[5];
}
