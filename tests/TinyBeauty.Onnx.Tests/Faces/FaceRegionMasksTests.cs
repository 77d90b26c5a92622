using System.Numerics;
using TinyBeauty.Onnx.Faces;
using TinyBeauty.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TinyBeauty.Onnx.Tests.Faces;

public sealed class FaceRegionMasksTests(ITestOutputHelper output)
{
    private static readonly Lazy<(FacePhotos Photo, FaceLandmarks Face)> s_astronaut = new(() =>
    {
        using var mesh = new FaceMesh();
        var photo = FacePhotos.Load(FacePhotos.Astronaut);
        return (photo, Assert.Single(mesh.Find(photo.View)));
    });

    private static readonly FaceLandmarks s_syntheticFace = new(
        Enumerable.Repeat(new Vector3(2, 2, 0), FaceLandmarks.PointCount).ToArray(),
        1f,
        new DetectedFace(new FaceBox(0, 0, 4, 4), 1f, []),
        new FaceCrop(new Vector2(2, 2), 4f, 0f));

    [Fact]
    public void IndexLists_AreLoopsOfDistinctMeshPoints()
    {
        var loops = new[]
        {
            FaceMasks.LeftEyeIndices, FaceMasks.RightEyeIndices, FaceMasks.LeftBrowIndices, FaceMasks.RightBrowIndices,
        };
        foreach (var loop in loops)
        {
            Assert.Equal(loop.Count, loop.Distinct().Count());
            Assert.All(loop, i => Assert.InRange(i, 0, FaceLandmarks.PointCount - 1));
        }

        Assert.Equal(16, FaceMasks.LeftEyeIndices.Count);
        Assert.Equal(10, FaceMasks.RightBrowIndices.Count);
    }

    [Fact]
    public void Draw_UndefinedRegion_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => FaceMasks.Draw((FaceRegion)42, s_syntheticFace, new byte[16], 4, 4));
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Draw_Astronaut_EveryRegionIsNonEmpty()
    {
        var masks = DrawAll();

        foreach (var region in Enum.GetValues<FaceRegion>())
        {
            var area = Area(masks[region]);
            output.WriteLine($"{region}: {area:F0} px");
            Assert.True(area > 20, $"{region} has area {area}");
        }
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Draw_Astronaut_RegionsLieWhereTheyShould()
    {
        var masks = DrawAll();
        var width = s_astronaut.Value.Photo.Width;

        var lips = CentroidY(masks[FaceRegion.Lips], width);
        var eyes = CentroidY(masks[FaceRegion.Eyes], width);
        var brows = CentroidY(masks[FaceRegion.Brows], width);
        output.WriteLine($"centroid y: brows {brows:F1}, eyes {eyes:F1}, lips {lips:F1}");
        Assert.True(eyes < lips, "the eyes do not lie above the lips");
        Assert.True(brows < eyes, "the brows do not lie above the eyes");
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Draw_Astronaut_EyeRegionHoldsTheEyesAndBrows()
    {
        var masks = DrawAll();
        var eyes = masks[FaceRegion.Eyes];
        var brows = masks[FaceRegion.Brows];
        var region = masks[FaceRegion.EyeRegion];

        for (var i = 0; i < region.Length; i++)
        {
            Assert.True(eyes[i] <= 200 || region[i] > 0, $"eye pixel {i} outside the eye region");
            Assert.True(brows[i] <= 200 || region[i] > 0, $"brow pixel {i} outside the eye region");
        }

        var eyeArea = Area(eyes);
        var regionArea = Area(region);
        var faceArea = Area(masks[FaceRegion.Face]);
        output.WriteLine($"eyes {eyeArea:F0} px, eye region {regionArea:F0} px, face {faceArea:F0} px");
        Assert.True(eyeArea < regionArea, "the eyes are not smaller than the eye region");
        Assert.True(regionArea < faceArea * 0.5, "the eye region is not well inside the face");
    }

    [ReferenceFact(FacePhotos.Astronaut)]
    public void Draw_Astronaut_SkinAvoidsFeaturesAndStaysInTheOval()
    {
        var masks = DrawAll();
        var skin = masks[FaceRegion.Skin];
        var oval = masks[FaceRegion.Face];

        for (var i = 0; i < skin.Length; i++)
        {
            if (masks[FaceRegion.Lips][i] == 255 || masks[FaceRegion.Eyes][i] == 255
                || masks[FaceRegion.Brows][i] == 255)
            {
                Assert.Equal(0, skin[i]);
            }

            Assert.True(skin[i] <= oval[i], $"skin pixel {i} ({skin[i]}) above the oval ({oval[i]})");
        }

        var skinArea = Area(skin);
        var ovalArea = Area(oval);
        Assert.InRange(skinArea, ovalArea * 0.7, ovalArea);
    }

    private static Dictionary<FaceRegion, byte[]> DrawAll()
    {
        var (photo, face) = s_astronaut.Value;
        var masks = new Dictionary<FaceRegion, byte[]>();
        foreach (var region in Enum.GetValues<FaceRegion>())
        {
            var mask = new byte[photo.Width * photo.Height];
            FaceMasks.Draw(region, face, mask, photo.Width, photo.Height);
            masks[region] = mask;
        }

        return masks;
    }

    private static double Area(byte[] mask) => mask.Sum(b => b / 255.0);

    private static double CentroidY(byte[] mask, int width)
    {
        double sum = 0;
        double weight = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            sum += mask[i] * (double)(i / width);
            weight += mask[i];
        }

        return sum / weight;
    }
}
