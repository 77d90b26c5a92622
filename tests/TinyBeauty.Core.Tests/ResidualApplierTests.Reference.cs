using TinyBeauty.Core.Tests.TestUtilities;
using TinyBeauty.Testing;

namespace TinyBeauty.Core.Tests;

public partial class ResidualApplierTests
{
    [ReferenceFact(
        "reference/tinybeauty-official/examples/01.png",
        "reference/tinybeauty-official/residual_style1_01_1x3x256x256.f32",
        "reference/tinybeauty-official/golden_style1_01.png")]
    public void Apply_OfficialResidual_ReproducesGoldenPhoto()
    {
        var photo = PngReader.Read(ReferenceData.Official("examples/01.png"));
        var golden = PngReader.Read(ReferenceData.Official("golden_style1_01.png"));
        var residual = ReferenceData.ReadFloat32(ReferenceData.Official("residual_style1_01_1x3x256x256.f32"));
        var actual = new byte[photo.Pixels.Length];

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 256, 256),
            new ReadOnlyImageView(photo.Pixels, photo.Width, photo.Height, PixelLayout.Rgb24),
            new ImageView(actual, photo.Width, photo.Height, PixelLayout.Rgb24));

        var exact = 0;
        var withinOne = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var difference = Math.Abs(actual[i] - golden.Pixels[i]);
            exact += difference == 0 ? 1 : 0;
            withinOne += difference <= 1 ? 1 : 0;
        }

        Assert.True(
            withinOne >= actual.Length * 0.999,
            $"{withinOne} of {actual.Length} values within 1 level of the golden photo ({exact} exact).");
        Assert.True(exact == actual.Length, $"{exact} of {actual.Length} values equal the golden photo exactly.");
    }

    [Theory]
    [InlineData(37, 23, 11, 16)]
    [InlineData(20, 41, 9, 4)]
    [InlineData(5, 5, 17, 3)]
    public void Apply_NonSquareShapes_EqualsFloatResizeThenFormula(int width, int height, int rh, int rw)
    {
        var source = TestImages.Pixels(height, width * 3, seed: width);
        var residual = TestImages.Residual(rh, rw, seed: height);
        var upsampled = new float[3 * height * width];
        ImageResize.Bilinear(
            new ReadOnlyPlanarTensorView(residual, 3, rh, rw),
            new PlanarTensorView(upsampled, 3, height, width));
        var actual = new byte[source.Length];

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, rh, rw),
            new ReadOnlyImageView(source, width, height, PixelLayout.Bgr24),
            new ImageView(actual, width, height, PixelLayout.Bgr24),
            0.7f);

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var i = (y * width + x) * 3 + 2 - c;
                    var r = upsampled[(c * height + y) * width + x];
                    var t = Math.Clamp(source[i] / 127.5f - 1f + 0.7f * r, -1f, 1f);
                    Assert.Equal((byte)(int)((t / 2f + 0.5f) * 255f), actual[i]);
                }
            }
        }
    }
}
