using System.Numerics;
using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TinyBeauty.Onnx.Tests.Faces;

public sealed class FaceDetectorTests(ITestOutputHelper output)
{
    [Fact]
    public void CreateAnchors_BothGrids_GivesMediaPipeCentres()
    {
        var anchors = FaceDetector.CreateAnchors();

        Assert.Equal(896, anchors.Length);
        Assert.Equal(new Vector2(8, 8), anchors[0]);
        Assert.Equal(new Vector2(8, 8), anchors[1]);
        Assert.Equal(new Vector2(24, 8), anchors[2]);
        Assert.Equal(new Vector2(248, 248), anchors[511]);
        Assert.Equal(new Vector2(16, 16), anchors[512]);
        Assert.Equal(new Vector2(16, 16), anchors[517]);
        Assert.Equal(new Vector2(48, 16), anchors[518]);
        Assert.Equal(new Vector2(240, 240), anchors[895]);
    }

    [Fact]
    public void IntersectionOverUnion_KnownBoxes_MatchesArithmetic()
    {
        var a = new FaceBox(0, 0, 10, 10);

        Assert.Equal(1f, a.IntersectionOverUnion(a));
        Assert.Equal(0f, a.IntersectionOverUnion(new FaceBox(10, 0, 10, 10)));
        Assert.Equal(50f / 150f, a.IntersectionOverUnion(new FaceBox(5, 0, 10, 10)), 6);
    }

    [Fact]
    public void Detect_ScoreOutOfRange_Throws()
    {
        using var detector = new FaceDetector();
        var photo = FacePhotos.Grey(8, 8);

        Assert.Throws<ArgumentOutOfRangeException>(() => detector.Detect(photo.View, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => detector.Detect(photo.View, float.NaN));
    }

    [Fact]
    public void Detect_AfterDispose_Throws()
    {
        var detector = new FaceDetector();
        detector.Dispose();
        var photo = FacePhotos.Grey(8, 8);

        Assert.Throws<ObjectDisposedException>(() => detector.Detect(photo.View));
    }

    [Theory]
    [InlineData(16, 16, "16 x 16")]
    [InlineData(640, 31, "640 x 31")]
    public void DescribeTooSmall_ShorterSideBelowTheMinimum_NamesThePhotoItsSizeAndTheMinimum(
        int width, int height, string size)
    {
        var message = FaceDetector.DescribeTooSmall(width, height, "tiny.png");

        Assert.Equal(
            $"The photo 'tiny.png' is {size} pixels, too small to hold a detectable face: "
            + "its shorter side needs at least 32 pixels.",
            message);
    }

    [Theory]
    [InlineData(32, 32)]
    [InlineData(4000, 3000)]
    public void DescribeTooSmall_LargeEnough_ReturnsNull(int width, int height) =>
        Assert.Null(FaceDetector.DescribeTooSmall(width, height));

    [Fact]
    public void Detect_BlankGreyImage_FindsNothing()
    {
        using var detector = new FaceDetector();
        var photo = FacePhotos.Grey(320, 240);

        var faces = detector.Detect(photo.View);

        Assert.Empty(faces);
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Detect_Astronaut_FindsOneUprightFace()
    {
        using var detector = new FaceDetector();
        var photo = FacePhotos.Load(FacePhotos.Astronaut);

        var faces = detector.Detect(photo.View);

        foreach (var f in faces)
        {
            output.WriteLine(Describe(f));
        }

        var face = Assert.Single(faces);
        Assert.True(face.Score > 0.7f, $"score {face.Score}");
        Assert.InRange(face.Box.Width, 80f, 220f);
        Assert.InRange(face.Box.Height, 80f, 220f);

        // The face sits in the upper middle of the 512 x 512 photo.
        Assert.InRange(face.Box.Center.X, photo.Width * 0.25f, photo.Width * 0.75f);
        Assert.InRange(face.Box.Center.Y, 0f, photo.Height * 0.5f);

        // The subject's right eye is on the picture's left; both eyes are above the nose and the mouth.
        Assert.True(face.RightEye.X < face.LeftEye.X, Describe(face));
        Assert.True(face.LeftEye.Y < face.Mouth.Y && face.RightEye.Y < face.Mouth.Y, Describe(face));
        Assert.True(face.Nose.Y < face.Mouth.Y, Describe(face));
        var eyes = face.LeftEye - face.RightEye;
        var tilt = MathF.Abs(MathF.Atan2(eyes.Y, eyes.X)) * 180f / MathF.PI;
        Assert.True(tilt < 20f, $"eye line tilted by {tilt} degrees");
        foreach (var keypoint in face.Keypoints.Take(4))
        {
            Assert.True(Inside(face.Box, keypoint), $"keypoint {keypoint} outside {face.Box}");
        }
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Detect_AstronautInBgrWithPadding_MatchesRgb()
    {
        using var detector = new FaceDetector();
        var photo = FacePhotos.Load(FacePhotos.Astronaut);
        var stride = (photo.Width * 3) + 7;
        var bgr = new byte[stride * photo.Height];
        for (var y = 0; y < photo.Height; y++)
        {
            for (var x = 0; x < photo.Width; x++)
            {
                var source = ((y * photo.Width) + x) * 3;
                var target = (y * stride) + (x * 3);
                bgr[target] = photo.Pixels[source + 2];
                bgr[target + 1] = photo.Pixels[source + 1];
                bgr[target + 2] = photo.Pixels[source];
            }
        }

        var rgb = Assert.Single(detector.Detect(photo.View));
        var other = Assert.Single(
            detector.Detect(new ReadOnlyImageView(bgr, photo.Width, photo.Height, PixelLayout.Bgr24, stride)));

        Assert.Equal(rgb.Score, other.Score, 5);
        Assert.Equal(rgb.Box, other.Box);
    }

    [ReferenceFact(FacePhotos.Group)]
    public void Detect_GroupPhoto_FindsEachFace()
    {
        using var detector = new FaceDetector();
        var photo = FacePhotos.Load(FacePhotos.Group);

        var faces = detector.Detect(photo.View);

        output.WriteLine($"{photo.Width}x{photo.Height}: {faces.Count} faces");
        foreach (var face in faces)
        {
            output.WriteLine(Describe(face));
        }

        // The data README counts 3 faces in this photo.
        Assert.Equal(3, faces.Count);
        for (var i = 1; i < faces.Count; i++)
        {
            Assert.True(faces[i - 1].Score >= faces[i].Score);
            for (var j = 0; j < i; j++)
            {
                Assert.True(faces[i].Box.IntersectionOverUnion(faces[j].Box) <= FaceDetector.OverlapThreshold);
            }
        }
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Detect_ConcurrentCalls_AgreeWithASingleCall()
    {
        using var detector = new FaceDetector();
        var photo = FacePhotos.Load(FacePhotos.Astronaut);
        var expected = Assert.Single(detector.Detect(photo.View));

        var results = new DetectedFace[8];
        Parallel.For(0, results.Length, i => results[i] = Assert.Single(detector.Detect(photo.View)));

        Assert.All(results, face =>
        {
            Assert.Equal(expected.Box, face.Box);
            Assert.Equal(expected.Score, face.Score);
            Assert.Equal(expected.Keypoints, face.Keypoints);
        });
    }

    internal static string Describe(DetectedFace face) =>
        $"score {face.Score:F3} box ({face.Box.X:F1}, {face.Box.Y:F1}, {face.Box.Width:F1} x {face.Box.Height:F1}) "
        + $"eyes R {face.RightEye} L {face.LeftEye} nose {face.Nose} mouth {face.Mouth}";

    private static bool Inside(FaceBox box, Vector2 point) =>
        point.X >= box.X && point.X <= box.Right && point.Y >= box.Y && point.Y <= box.Bottom;
}
