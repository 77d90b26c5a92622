using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Amplify.Diffusion.Pipeline;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionFaceCropTests
{
    [Fact]
    public void FromFaceMesh_PhotoTooSmallForAFace_ThrowsGivingItsSizeAndTheMinimum()
    {
        using var mesh = new FaceMesh();
        using var photo = new Image<Rgb24>(16, 16, new Rgb24(200, 150, 120));
        var cropper = DiffusionFaceCrops.FromFaceMesh(mesh);

        var exception = Assert.Throws<InvalidDataException>(() => cropper(photo, 64));

        Assert.Equal(FaceDetector.DescribeTooSmall(16, 16), exception.Message);
        Assert.Contains("16 x 16 pixels, too small", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NotSquare_Throws()
    {
        using var image = new Image<Rgb24>(8, 6);

        Assert.Throws<ArgumentException>(() => new DiffusionFaceCrop(image, new Dictionary<string, byte[]>()));
    }

    [Fact]
    public void Constructor_MaskOfTheWrongLength_ThrowsNamingTheRegion()
    {
        using var image = new Image<Rgb24>(8, 8);

        var exception = Assert.Throws<ArgumentException>(
            () => new DiffusionFaceCrop(image, new Dictionary<string, byte[]> { ["lips"] = new byte[63] }));

        Assert.Contains("lips", exception.Message, StringComparison.Ordinal);
    }
}
