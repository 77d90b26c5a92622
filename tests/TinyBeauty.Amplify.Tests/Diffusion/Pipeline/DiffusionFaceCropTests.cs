using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Amplify.Diffusion.Pipeline;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionFaceCropTests
{
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
