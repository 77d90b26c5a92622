using System.Numerics;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>The landmark lines and measures of one face that the makeup layers are placed by.</summary>
internal sealed class FaceGeometry
{
    // Upper lash lines from the outer to the inner corner, and the lower edge of each brow (MediaPipe indices).
    private static readonly int[] s_rightUpperLid = [33, 246, 161, 160, 159, 158, 157, 173, 133];
    private static readonly int[] s_leftUpperLid = [263, 466, 388, 387, 386, 385, 384, 398, 362];
    private static readonly int[] s_rightBrowLower = [46, 53, 52, 65, 55];
    private static readonly int[] s_leftBrowLower = [276, 283, 282, 295, 285];
    private const int RightCheek = 205;
    private const int LeftCheek = 425;

    public FaceGeometry(FaceLandmarks face, Vector2 offset)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (face.Points.Count < FaceLandmarks.PointCount)
        {
            throw new ArgumentException(
                $"The mesh must have {FaceLandmarks.PointCount} points, but has {face.Points.Count}.", nameof(face));
        }

        Vector2 At(int index) => new Vector2(face.Points[index].X, face.Points[index].Y) - offset;

        Eyes =
        [
            new EyeGeometry(s_rightUpperLid.Select(At).ToArray(), s_rightBrowLower.Select(At).ToArray()),
            new EyeGeometry(s_leftUpperLid.Select(At).ToArray(), s_leftBrowLower.Select(At).ToArray()),
        ];
        EyeSpan = Vector2.Distance(Eyes[0].OuterCorner, Eyes[1].OuterCorner);
        Cheeks = [At(RightCheek), At(LeftCheek)];
        var axis = Eyes[1].OuterCorner - Eyes[0].OuterCorner;
        Angle = MathF.Atan2(axis.Y, axis.X);
    }

    /// <summary>Gets the right eye (on the photo's left) and the left eye.</summary>
    public EyeGeometry[] Eyes { get; }

    /// <summary>Gets the distance between the outer eye corners, the face's scale.</summary>
    public float EyeSpan { get; }

    /// <summary>Gets the cheek centres, right then left.</summary>
    public Vector2[] Cheeks { get; }

    /// <summary>Gets the angle of the line from the right to the left outer eye corner, in radians.</summary>
    public float Angle { get; }
}

/// <summary>One eye's upper lash line (outer corner first) and the lower edge of its brow.</summary>
internal sealed class EyeGeometry
{
    public EyeGeometry(Vector2[] upperLid, Vector2[] browLower)
    {
        UpperLid = upperLid;
        OuterCorner = upperLid[0];
        InnerCorner = upperLid[^1];
        Width = Math.Max(1f, Vector2.Distance(OuterCorner, InnerCorner));
        Outward = Vector2.Normalize(OuterCorner - InnerCorner);

        var lidCentre = Average(upperLid);
        var browCentre = Average(browLower);
        var normal = new Vector2(-Outward.Y, Outward.X);
        Up = Vector2.Dot(normal, browCentre - lidCentre) >= 0 ? normal : -normal;
        LidToBrow = Math.Max(1f, Vector2.Dot(browCentre - lidCentre, Up));
    }

    public Vector2[] UpperLid { get; }

    public Vector2 OuterCorner { get; }

    public Vector2 InnerCorner { get; }

    /// <summary>Gets the distance between the eye corners.</summary>
    public float Width { get; }

    /// <summary>Gets the unit direction from the inner to the outer corner.</summary>
    public Vector2 Outward { get; }

    /// <summary>Gets the unit direction across the eye towards the brow.</summary>
    public Vector2 Up { get; }

    /// <summary>Gets the distance from the lash line up to the brow's lower edge.</summary>
    public float LidToBrow { get; }

    private static Vector2 Average(Vector2[] points)
    {
        var sum = Vector2.Zero;
        foreach (var point in points)
        {
            sum += point;
        }

        return sum / points.Length;
    }
}
