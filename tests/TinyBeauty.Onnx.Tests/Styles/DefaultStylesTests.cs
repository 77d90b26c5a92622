using TinyBeauty.Core;
using TinyBeauty.Onnx.Styles;
using TinyBeauty.Onnx.Tests.Faces;

namespace TinyBeauty.Onnx.Tests.Styles;

public sealed class DefaultStylesTests
{
    [Fact]
    public void All_ListsTheEmbeddedStylesByNameWithTheirDescriptions()
    {
        Assert.Equal(["classic-red", "natural", "smoky"], DefaultStyles.All.Select(style => style.Name));
        Assert.All(DefaultStyles.All, style => Assert.False(string.IsNullOrWhiteSpace(style.Description)));
        Assert.Contains(DefaultStyles.All, style => style.Name == DefaultStyles.DefaultName);
    }

    [Theory]
    [InlineData("natural")]
    [InlineData("classic-red")]
    [InlineData("SMOKY")]
    public void Load_EveryStyle_RunsAtTheSizeItWasTrainedAtAndChangesAFace(string name)
    {
        var photo = FacePhotos.LoadFromRepository("data/faces/held-out/astronaut.png");
        var output = new byte[photo.Pixels.Length];

        using var session = DefaultStyles.Load(name);
        session.Apply(photo.View, new ImageView(output, photo.Width, photo.Height, PixelLayout.Rgb24));

        Assert.NotNull(session.RecordedInferenceSize);
        Assert.Equal(session.RecordedInferenceSize, session.InferenceSize);
        var meanChange = photo.Pixels.Zip(output, (before, after) => Math.Abs(before - after)).Average();
        Assert.InRange(meanChange, 0.2, 20);
    }

    [Fact]
    public void Load_UnknownName_ThrowsListingTheEmbeddedNames()
    {
        var exception = Assert.Throws<ArgumentException>(() => DefaultStyles.Load("gothic"));

        Assert.Contains("'gothic'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("classic-red, natural, smoky", exception.Message, StringComparison.Ordinal);
    }
}
