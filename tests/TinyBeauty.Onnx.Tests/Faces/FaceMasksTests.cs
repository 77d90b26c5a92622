using System.Numerics;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TinyBeauty.Onnx.Tests.Faces;

public sealed class FaceMasksTests(ITestOutputHelper output)
{
    [Fact]
    public void IndexLists_AreClosedLoopsOfDistinctMeshPoints()
    {
        foreach (var loop in new[] { FaceMasks.FaceOvalIndices, FaceMasks.OuterLipIndices, FaceMasks.InnerLipIndices })
        {
            Assert.Equal(loop.Count, loop.Distinct().Count());
            Assert.All(loop, i => Assert.InRange(i, 0, FaceLandmarks.PointCount - 1));
        }
    }

    [Fact]
    public void DrawFaceOval_SquareMesh_FillsInsideAndLeavesOutside()
    {
        var face = SyntheticMesh(new Vector2(50, 40), 20f);
        var mask = new byte[100 * 80];

        FaceMasks.DrawFaceOval(face, mask, 100, 80, blurRadius: 0);

        Assert.Equal(255, mask[(40 * 100) + 50]);
        Assert.Equal(0, mask[(40 * 100) + 75]);
        Assert.Equal(0, mask[0]);

        // A circle of radius 20 covers about pi * 400 pixels; the 36-gon inscribed in it slightly less.
        var area = mask.Sum(b => b / 255.0);
        var expected = 0.5 * 36 * 400 * Math.Sin(2 * Math.PI / 36);
        Assert.Equal(expected, area, expected * 0.01);
    }

    [Fact]
    public void DrawFaceOval_WrongMaskLength_Throws()
    {
        var face = SyntheticMesh(new Vector2(5, 5), 2f);

        Assert.Throws<ArgumentException>(() => FaceMasks.DrawFaceOval(face, new byte[10], 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceMasks.DrawFaceOval(face, new byte[16], 4, 4, -1));
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Draw_Astronaut_LipsLieInsideTheOval()
    {
        using var mesh = new FaceMesh();
        var photo = FacePhotos.Load(FacePhotos.Astronaut);
        var face = Assert.Single(mesh.Find(photo.View));
        var oval = new byte[photo.Width * photo.Height];
        var lips = new byte[photo.Width * photo.Height];

        FaceMasks.DrawFaceOval(face, oval, photo.Width, photo.Height);
        FaceMasks.DrawLips(face, lips, photo.Width, photo.Height);

        var ovalArea = oval.Sum(b => b / 255.0);
        var lipArea = lips.Sum(b => b / 255.0);
        var box = face.Detection.Box;
        output.WriteLine($"oval {ovalArea:F0} px, lips {lipArea:F0} px, detection box {box.Area:F0} px");
        Assert.InRange(ovalArea, box.Area * 0.5, box.Area * 3);
        Assert.InRange(lipArea, ovalArea * 0.01, ovalArea * 0.15);

        var nose = face.Points[1];
        Assert.Equal(255, oval[Index(nose, photo.Width)]);
        Assert.Equal(0, lips[Index(nose, photo.Width)]);

        // Midway between the outer and inner edge of the lower lip lies lip (the upper lip is only a few pixels
        // thick here, so the blur keeps it below full strength).
        var lowerLip = Index((face.Points[17] + face.Points[14]) / 2f, photo.Width);
        Assert.True(lips[lowerLip] > 128, $"lip mask {lips[lowerLip]}");
        for (var i = 0; i < lips.Length; i++)
        {
            Assert.True(lips[i] <= 128 || oval[i] >= 128, $"lip pixel {i} outside the oval");
        }
    }

    private static int Index(Vector3 point, int width) => ((int)point.Y * width) + (int)point.X;

    /// <summary>A mesh whose face-oval points lie evenly on a circle, every other point at the centre.</summary>
    private static FaceLandmarks SyntheticMesh(Vector2 centre, float radius)
    {
        var points = Enumerable.Repeat(new Vector3(centre, 0), FaceLandmarks.PointCount).ToArray();
        var oval = FaceMasks.FaceOvalIndices;
        for (var i = 0; i < oval.Count; i++)
        {
            var angle = 2 * MathF.PI * i / oval.Count;
            points[oval[i]] = new Vector3(centre + (radius * new Vector2(MathF.Cos(angle), MathF.Sin(angle))), 0);
        }

        Vector2[] keypoints = [centre, centre, centre, centre, centre, centre];
        var detection = new DetectedFace(new FaceBox(centre.X - radius, centre.Y - radius, 2 * radius, 2 * radius),
            1f, keypoints);
        return new FaceLandmarks(points, 1f, detection, new FaceCrop(centre, 3 * radius, 0f));
    }
}
