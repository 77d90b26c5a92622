using System.Numerics;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TinyBeauty.Onnx.Tests.Faces;

/// <summary>
/// Checks <see cref="FaceMesh.RefineEyes"/>: the iris model's eye crops, its contour mapped onto the mesh's eyelid
/// landmarks, and the iris points, on the real photos committed under data/faces.
/// </summary>
public sealed class EyeRefinementTests(ITestOutputHelper output)
{
    private const string Astronaut = "data/faces/held-out/astronaut.png";

    /// <summary>The committed photos: the held-out astronaut and the five training group photos.</summary>
    private static readonly string[] s_photoFiles =
    [
        Astronaut,
        "data/faces/train/face-api-sample1.jpg",
        "data/faces/train/face-api-sample2.jpg",
        "data/faces/train/face-api-sample3.jpg",
        "data/faces/train/face-api-sample4.jpg",
        "data/faces/train/face-api-sample5.jpg",
    ];

    public static TheoryData<string> Photos => new(s_photoFiles);

    [Fact]
    public void EyeCrop_IsCentredBetweenTheCornersAndTurnedLikeTheFace()
    {
        var points = new Vector3[FaceLandmarks.PointCount];
        points[33] = new Vector3(10, 20, 0);
        points[133] = new Vector3(16, 28, 0);
        Vector2[] keypoints = [new(10, 10), new(20, 20), new(15, 18), new(15, 25), new(5, 15), new(25, 25)];
        var detection = new DetectedFace(new FaceBox(0, 0, 30, 40), 0.9f, keypoints);
        var face = new FaceLandmarks(points, 1f, detection, new FaceCrop(new Vector2(15, 20), 60, 0.3f));

        var crop = EyeRefiner.CropFor(face, EyeRefiner.RightEye);

        Assert.Equal(new Vector2(13, 24), crop.Center);
        Assert.Equal(10f * EyeRefiner.CropScale, crop.Size, 4);
        Assert.Equal(0.3f, crop.Angle);
    }

    [Fact]
    public void SampleCrop_Mirrored_FlipsTheCropLeftToRight()
    {
        var photo = FacePhotos.Grey(8, 8);
        photo.Pixels[((3 * 8) + 1) * 3] = 255;
        var crop = new FaceCrop(new Vector2(4, 4), 8, 0f);
        var plain = new float[8 * 8 * 3];
        var mirrored = new float[8 * 8 * 3];

        FaceMesh.SampleCrop(photo.View, crop, 8, mirrored: false, plain);
        FaceMesh.SampleCrop(photo.View, crop, 8, mirrored: true, mirrored);

        Assert.Equal(1f, plain[((3 * 8) + 1) * 3]);
        Assert.Equal(1f, mirrored[((3 * 8) + 6) * 3]);
        Assert.Equal(128f / 255f, mirrored[((3 * 8) + 1) * 3]);
    }

    [Fact]
    public void RefineEyesOff_LeavesTheMeshExactlyAsBefore()
    {
        var photo = FacePhotos.LoadFromRepository(Astronaut);
        using var plain = new FaceMesh();
        using var off = new FaceMesh(refineEyes: false);
        using var refined = new FaceMesh(refineEyes: true);

        var before = Assert.Single(plain.Find(photo.View));
        var unrefined = Assert.Single(off.Find(photo.View));
        var after = Assert.Single(refined.Find(photo.View));

        Assert.False(off.RefineEyes);
        Assert.True(refined.RefineEyes);
        Assert.Null(before.Irises);
        Assert.Null(unrefined.Irises);
        Assert.Equal(before.Points, unrefined.Points);
        Assert.NotNull(after.Irises);
        Assert.Equal(FaceLandmarks.PointCount, after.Points.Count);
        Assert.Equal(before.FaceFlag, after.FaceFlag);
        Assert.Equal(before.Crop, after.Crop);
        Assert.Equal(before.Detection.Box, after.Detection.Box);
        Assert.Equal(before.Detection.Keypoints, after.Detection.Keypoints);

        // Only the eyelid landmarks move, and only in x and y.
        var lids = EyelidIndices().ToHashSet();
        for (var i = 0; i < FaceLandmarks.PointCount; i++)
        {
            if (lids.Contains(i))
            {
                Assert.Equal(before.Points[i].Z, after.Points[i].Z);
            }
            else
            {
                Assert.Equal(before.Points[i], after.Points[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void Refined_IrisCentresLieInsideTheMeshEyes(string file)
    {
        var photo = FacePhotos.LoadFromRepository(file);
        using var plain = new FaceMesh();
        using var refined = new FaceMesh(refineEyes: true);

        var before = plain.Find(photo.View);
        var after = refined.Find(photo.View);

        Assert.Equal(before.Count, after.Count);
        Assert.NotEmpty(after);
        for (var f = 0; f < after.Count; f++)
        {
            var irises = after[f].Irises!;
            Assert.Equal(FaceIrises.PointsPerEye, irises.RightEye.Count);
            Assert.Equal(FaceIrises.PointsPerEye, irises.LeftEye.Count);
            foreach (var (eye, loop, centre) in new[]
            {
                ("right", FaceMasks.RightEyeIndices, irises.RightEye[0]),
                ("left", FaceMasks.LeftEyeIndices, irises.LeftEye[0]),
            })
            {
                var polygon = loop.Select(i => Flat(before[f].Points[i])).ToArray();
                var eyeWidth = Vector2.Distance(polygon[0], polygon[8]);
                var inside = Inside(polygon, centre);
                var gap = DistanceToOutline(polygon, centre) / eyeWidth;
                var along = Vector2.Dot(centre - polygon[0], polygon[8] - polygon[0]) / (eyeWidth * eyeWidth);
                output.WriteLine($"{file} face {f} {eye} eye: iris centre {centre}, inside {inside}, "
                    + $"{gap:F3} eye widths from the outline, {along:F2} of the way between the corners");

                // A nearly closed eye's outline is a sliver the centre may miss, but not by much.
                Assert.True(
                    inside || gap < 0.15f,
                    $"{file} face {f}: {eye} iris centre {centre} outside the eye by {gap:F3} eye widths");
                Assert.InRange(along, 0.15f, 0.85f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void Refined_EyelidsMoveALittleButDoMove(string file)
    {
        var photo = FacePhotos.LoadFromRepository(file);
        using var plain = new FaceMesh();
        using var refined = new FaceMesh(refineEyes: true);

        var before = plain.Find(photo.View);
        var after = refined.Find(photo.View);

        var meanShifts = new List<float>();
        for (var f = 0; f < after.Count; f++)
        {
            foreach (var side in new[] { EyeRefiner.RightEye, EyeRefiner.LeftEye })
            {
                var eyeWidth = Vector2.Distance(
                    Flat(before[f].Points[side.OuterCorner]), Flat(before[f].Points[side.InnerCorner]));
                var shifts = side.LowerLid.Concat(side.UpperLid)
                    .Select(i => Vector2.Distance(Flat(before[f].Points[i]), Flat(after[f].Points[i])))
                    .ToArray();
                var (mean, largest) = (shifts.Average(), shifts.Max());
                meanShifts.Add(mean);
                output.WriteLine($"{file} face {f} eye {side.OuterCorner}: width {eyeWidth:F1} px, eyelid shift "
                    + $"mean {mean:F2} px, largest {largest:F2} px ({mean / eyeWidth:F3} and {largest / eyeWidth:F3} "
                    + "eye widths)");

                Assert.True(mean < 0.2f * eyeWidth, $"{file} face {f}: eyelids moved {mean:F2} px on average");
                Assert.True(largest < 0.4f * eyeWidth, $"{file} face {f}: an eyelid point moved {largest:F2} px");
            }
        }

        // A refinement that changed nothing would leave every shift at zero.
        Assert.True(meanShifts.Average() > 0.2f, $"eyelids moved only {meanShifts.Average():F3} px on average");
    }

    [Fact]
    public void IrisModel_FitsTheMeshBetterWithTheLeftEyeMirrored()
    {
        // The model is trained on right eyes: mirroring the right eye instead of the left must fit the mesh worse.
        using var mesh = new FaceMesh();
        using var refiner = new EyeRefiner(0);
        var swapped = new[]
        {
            EyeRefiner.RightEye with { Mirrored = true },
            EyeRefiner.LeftEye with { Mirrored = false },
        };
        var (right, wrong, eyes) = (0.0, 0.0, 0);

        foreach (var file in s_photoFiles)
        {
            var photo = FacePhotos.LoadFromRepository(file);
            var faces = mesh.Find(photo.View);
            var asTrained = refiner.FindEyePoints(photo.View, faces, [EyeRefiner.RightEye, EyeRefiner.LeftEye]);
            var asSwapped = refiner.FindEyePoints(photo.View, faces, swapped);
            for (var i = 0; i < asTrained.Length; i++)
            {
                var face = faces[i / 2];
                var side = i % 2 == 0 ? EyeRefiner.RightEye : EyeRefiner.LeftEye;
                right += ContourGap(face, side, asTrained[i]);
                wrong += ContourGap(face, side, asSwapped[i]);
                eyes++;
            }
        }

        output.WriteLine($"{eyes} eyes: mean eyelid gap {right / eyes:F2} px as trained, "
            + $"{wrong / eyes:F2} px swapped");
        Assert.True(right < 0.7 * wrong, $"eyelid gap {right / eyes:F2} px as trained, {wrong / eyes:F2} px swapped");
    }

    [Fact]
    public void Refined_MirroredAstronaut_MirrorsTheIrises()
    {
        var photo = FacePhotos.LoadFromRepository(Astronaut);
        using var refined = new FaceMesh(refineEyes: true);

        var original = Assert.Single(refined.Find(photo.View)).Irises!;
        var mirrored = Assert.Single(refined.Find(photo.MirrorLeftRight().View)).Irises!;

        // Mirroring swaps the subject's eyes; inner, upper, outer and lower keep their meaning.
        Vector2 Mirror(Vector2 p) => new(photo.Width - p.X, p.Y);
        var gaps = original.LeftEye.Zip(mirrored.RightEye, (a, b) => Vector2.Distance(Mirror(a), b))
            .Concat(original.RightEye.Zip(mirrored.LeftEye, (a, b) => Vector2.Distance(Mirror(a), b)))
            .ToArray();
        output.WriteLine($"iris gaps after mirroring: {string.Join(", ", gaps.Select(g => g.ToString("F2")))} px");
        Assert.All(gaps, gap => Assert.True(gap < 1.5f, $"a mirrored iris point is {gap:F2} px off"));
    }

    [Fact]
    public void Refined_EyeMasksFollowTheRefinedEyelids()
    {
        var photo = FacePhotos.LoadFromRepository(Astronaut);
        using var plain = new FaceMesh();
        using var refined = new FaceMesh(refineEyes: true);
        var before = new byte[photo.Width * photo.Height];
        var after = new byte[photo.Width * photo.Height];

        FaceMasks.DrawEyes(Assert.Single(plain.Find(photo.View)), before, photo.Width, photo.Height);
        FaceMasks.DrawEyes(Assert.Single(refined.Find(photo.View)), after, photo.Width, photo.Height);

        var changed = before.Zip(after).Count(pair => pair.First != pair.Second);
        var covered = before.Count(value => value > 0);
        output.WriteLine($"{changed} mask pixels changed of {covered} covered");
        Assert.InRange(changed, 1, covered);
    }

    private static IEnumerable<int> EyelidIndices() =>
    [
        .. EyeRefiner.RightEye.LowerLid, .. EyeRefiner.RightEye.UpperLid,
        .. EyeRefiner.LeftEye.LowerLid, .. EyeRefiner.LeftEye.UpperLid,
    ];

    /// <summary>The mean distance between the model's 16 eyelid contour points and the mesh landmarks they
    /// replace.</summary>
    private static double ContourGap(FaceLandmarks face, EyeRefiner.EyeSide side, Vector2[] eyePoints)
    {
        int[] lids = [.. side.LowerLid, .. side.UpperLid];
        return Enumerable.Range(0, lids.Length)
            .Average(c => (double)Vector2.Distance(Flat(face.Points[lids[c]]), eyePoints[c]));
    }

    /// <summary>The distance from a point to the nearest edge of a closed polygon.</summary>
    private static float DistanceToOutline(IReadOnlyList<Vector2> polygon, Vector2 point)
    {
        var nearest = float.MaxValue;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            var edge = polygon[i] - polygon[j];
            var t = Math.Clamp(Vector2.Dot(point - polygon[j], edge) / MathF.Max(edge.LengthSquared(), 1e-6f), 0f, 1f);
            nearest = MathF.Min(nearest, Vector2.Distance(point, polygon[j] + (t * edge)));
        }

        return nearest;
    }

    /// <summary>Even-odd test of a point against a closed polygon.</summary>
    private static bool Inside(IReadOnlyList<Vector2> polygon, Vector2 point)
    {
        var inside = false;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            var (a, b) = (polygon[i], polygon[j]);
            if ((a.Y > point.Y) != (b.Y > point.Y)
                && point.X < a.X + ((point.Y - a.Y) * (b.X - a.X) / (b.Y - a.Y)))
            {
                inside = !inside;
            }
        }

        return inside;
    }

    private static Vector2 Flat(Vector3 point) => new(point.X, point.Y);
}
