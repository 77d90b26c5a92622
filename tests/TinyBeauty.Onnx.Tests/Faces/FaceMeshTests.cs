using System.Numerics;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TinyBeauty.Onnx.Tests.Faces;

public sealed class FaceMeshTests(ITestOutputHelper output)
{
    private const int NoseTip = 1;

    [Fact]
    public void FaceCrop_ToCropInvertsToPhoto()
    {
        var crop = new FaceCrop(new Vector2(100, 80), 60, 0.7f);

        var corner = crop.ToPhoto(Vector2.Zero);
        var back = crop.ToCrop(corner);

        Assert.Equal(0f, back.X, 4);
        Assert.Equal(0f, back.Y, 4);
        Assert.Equal(crop.Center, crop.ToPhoto(new Vector2(0.5f, 0.5f)));
        Assert.Equal(60f, Vector2.Distance(crop.ToPhoto(Vector2.Zero), crop.ToPhoto(Vector2.UnitX)), 3);
    }

    [Fact]
    public void CropFor_TiltedEyes_TurnsByTheEyeAngle()
    {
        Vector2[] keypoints = [new(10, 10), new(20, 20), new(15, 18), new(15, 25), new(5, 15), new(25, 25)];
        var face = new DetectedFace(new FaceBox(0, 0, 30, 40), 0.9f, keypoints);

        var crop = FaceMesh.CropFor(face);

        Assert.Equal(MathF.PI / 4f, crop.Angle, 5);
        Assert.Equal(40f * FaceMesh.CropScale, crop.Size, 4);
        Assert.Equal(face.Box.Center, crop.Center);
    }

    [Fact]
    public void Find_BlankGreyImage_FindsNothing()
    {
        using var mesh = new FaceMesh();

        Assert.Empty(mesh.Find(FacePhotos.Grey(200, 300).View));
    }

    [ReferenceFact("data/faces")]
    public void Find_EveryTeamPhoto_FindsTheListedFacesWithLipsBelowTheEyes()
    {
        // The face counts of data/faces/README.md in the shared folder: 22 faces in 7 photos.
        var listed = new Dictionary<string, int>
        {
            ["astronaut.png"] = 1,
            ["face-api-sample1.jpg"] = 3,
            ["face-api-sample2.jpg"] = 3,
            ["face-api-sample3.jpg"] = 3,
            ["face-api-sample4.jpg"] = 4,
            ["face-api-sample5.jpg"] = 5,
            ["face-api-sample6.jpg"] = 4,
        };
        using var mesh = new FaceMesh();
        var found = 0;

        foreach (var (file, count) in listed)
        {
            var photo = FacePhotos.Load("data/faces/" + file);
            var faces = mesh.Find(photo.View);
            output.WriteLine($"{file}: {faces.Count} of {count} faces");
            found += faces.Count;

            // A profile face may be dropped by the mesh's face flag (see FaceMesh), but never an extra one found.
            Assert.InRange(faces.Count, count - 1, count);
            foreach (var face in faces)
            {
                var lips = Centroid(FaceRegion.Lips, face, photo);
                var eyes = Centroid(FaceRegion.Eyes, face, photo);
                Assert.True(Inside(face.Detection.Box, lips), $"{file}: lips at {lips} outside {face.Detection.Box}");
                Assert.True(Inside(face.Detection.Box, eyes), $"{file}: eyes at {eyes} outside {face.Detection.Box}");

                // Below in the face's own frame: the eye line may be tilted, so measure along its normal.
                var eyeLine = Vector2.Normalize(face.Detection.LeftEye - face.Detection.RightEye);
                var down = new Vector2(-eyeLine.Y, eyeLine.X);
                Assert.True(Vector2.Dot(lips - eyes, down) > 0, $"{file}: lips at {lips} not below eyes at {eyes}");
            }
        }

        Assert.True(found >= 21, $"{found} of 22 faces found");
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Find_Astronaut_GivesAPlausibleMesh()
    {
        using var mesh = new FaceMesh();
        var photo = FacePhotos.Load(FacePhotos.Astronaut);

        var landmarks = Assert.Single(mesh.Find(photo.View));

        var face = landmarks.Detection;
        var nose = landmarks.Points[NoseTip];
        output.WriteLine(FaceDetectorTests.Describe(face));
        output.WriteLine($"face flag {landmarks.FaceFlag:F3}, crop {landmarks.Crop}, nose tip {nose}");
        Assert.Equal(FaceLandmarks.PointCount, landmarks.Points.Count);
        Assert.True(landmarks.FaceFlag > 0.5f, $"face flag {landmarks.FaceFlag}");
        foreach (var point in landmarks.Points)
        {
            Assert.True(landmarks.Crop.Contains(new Vector2(point.X, point.Y)), $"{point} outside the crop");
        }

        Assert.InRange(nose.X, face.RightEye.X, face.LeftEye.X);
        Assert.True(nose.Y > MathF.Max(face.RightEye.Y, face.LeftEye.Y), $"nose tip {nose} not below the eyes");

        // The mesh's nose tip and the detector's nose keypoint are two estimates of the same point.
        var gap = Vector2.Distance(new Vector2(nose.X, nose.Y), face.Nose);
        Assert.True(gap < face.Box.Width * 0.15f, $"mesh nose tip {gap} px from the detector's");
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Find_AstronautTurnedAQuarter_FollowsTheFace()
    {
        using var mesh = new FaceMesh();
        var photo = FacePhotos.Load(FacePhotos.Astronaut);
        var upright = Assert.Single(mesh.Find(photo.View));
        var turnedPhoto = photo.RotateClockwise();

        var turned = Assert.Single(mesh.Find(turnedPhoto.View));

        var nose = upright.Points[NoseTip];
        var expected = new Vector2(photo.Height - nose.Y, nose.X);
        var actual = new Vector2(turned.Points[NoseTip].X, turned.Points[NoseTip].Y);
        output.WriteLine(FaceDetectorTests.Describe(turned.Detection));
        output.WriteLine($"turned: face flag {turned.FaceFlag:F3}, crop angle {turned.Crop.Angle:F3} rad, "
            + $"nose tip {actual}, expected {expected}");
        Assert.True(Vector2.Distance(expected, actual) < 10f, $"nose tip {actual}, expected {expected}");
        Assert.True(turned.FaceFlag > 0.5f);
    }

    [ReferenceFact(FacePhotos.Group)]
    public void Find_GroupPhoto_DropsOnlyFacesWithALowFlag()
    {
        using var everything = new FaceMesh(minFaceFlag: 0f);
        using var mesh = new FaceMesh();
        var photo = FacePhotos.Load(FacePhotos.Group);

        var all = everything.Find(photo.View);
        var kept = mesh.Find(photo.View);

        foreach (var face in all)
        {
            output.WriteLine($"face flag {face.FaceFlag:F3}: {FaceDetectorTests.Describe(face.Detection)}");
        }

        Assert.Equal(everything.Detector.Detect(photo.View).Count, all.Count);
        Assert.Equal(all.Count(f => f.FaceFlag >= 0.5f), kept.Count);
        Assert.NotEmpty(kept);
        foreach (var face in kept)
        {
            Assert.All(face.Points, p => Assert.True(face.Crop.Contains(new Vector2(p.X, p.Y), 1f)));
        }
    }

    private static bool Inside(FaceBox box, Vector2 point) =>
        point.X >= box.X && point.X <= box.X + box.Width && point.Y >= box.Y && point.Y <= box.Y + box.Height;

    /// <summary>The mask-weighted centre of one region of one face, in photo pixels.</summary>
    private static Vector2 Centroid(FaceRegion region, FaceLandmarks face, FacePhotos photo)
    {
        var mask = new byte[photo.Width * photo.Height];
        FaceMasks.Draw(region, face, mask, photo.Width, photo.Height);
        var (sum, x, y) = (0.0, 0.0, 0.0);
        for (var index = 0; index < mask.Length; index++)
        {
            sum += mask[index];
            x += mask[index] * ((index % photo.Width) + 0.5);
            y += mask[index] * ((index / photo.Width) + 0.5);
        }

        Assert.True(sum > 0, $"the {region} mask is empty");
        return new Vector2((float)(x / sum), (float)(y / sum));
    }
}
