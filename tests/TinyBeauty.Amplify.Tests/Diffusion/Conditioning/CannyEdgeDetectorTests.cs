using TinyBeauty.Amplify.Diffusion.Conditioning;
using TinyBeauty.Core;

namespace TinyBeauty.Amplify.Tests.Diffusion.Conditioning;

public sealed class CannyEdgeDetectorTests
{
    private const int Size = 32;
    private const int SquareStart = 8;
    private const int SquareEnd = 24;

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    public void DetectGray_WhiteSquare_FindsEdgesOnlyAlongItsBorder(double sigma)
    {
        var image = Square(background: 0, square: 255);

        var edges = CannyEdgeDetector.DetectGray(image, Size, Size, new CannyOptions { BlurSigma = sigma });

        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var nearBorder = IsNear(x, y, margin: 1);
                if (!nearBorder)
                {
                    Assert.True(edges[(y * Size) + x] == 0, $"Unexpected edge at ({x}, {y}).");
                }
            }
        }

        // Every side of the square is found along its middle.
        for (var along = SquareStart + 2; along < SquareEnd - 2; along++)
        {
            Assert.Contains(edges.AsSpan((along * Size) + SquareStart - 2, 4).ToArray(), value => value == 255);
            Assert.Contains(Column(edges, along, SquareStart - 2, 4), value => value == 255);
            Assert.Contains(edges.AsSpan((along * Size) + SquareEnd - 2, 4).ToArray(), value => value == 255);
            Assert.Contains(Column(edges, along, SquareEnd - 2, 4), value => value == 255);
        }
    }

    [Fact]
    public void DetectGray_StepEdge_IsOnePixelThin()
    {
        var image = Square(background: 20, square: 230);

        var edges = CannyEdgeDetector.DetectGray(image, Size, Size);

        for (var y = SquareStart + 2; y < SquareEnd - 2; y++)
        {
            var acrossLeftSide = edges.AsSpan((y * Size) + SquareStart - 4, 8).ToArray();
            Assert.Equal(1, acrossLeftSide.Count(value => value == 255));
            var acrossTopSide = Column(edges, y, SquareStart - 4, 8);
            Assert.Equal(1, acrossTopSide.Count(value => value == 255));
        }
    }

    [Fact]
    public void DetectGray_FlatImage_HasNoEdges()
    {
        var image = Enumerable.Repeat((byte)137, Size * Size).ToArray();

        var edges = CannyEdgeDetector.DetectGray(image, Size, Size);

        Assert.All(edges, value => Assert.Equal(0, value));
    }

    [Fact]
    public void DetectGray_WeakEdgeTouchingAStrongOne_IsKeptAndAnIsolatedWeakEdgeIsDropped()
    {
        // Without blur a vertical step of d gives |gx| = 4d: d = 60 is strong (240 > 200), d = 35 weak (140).
        const int width = 24;
        const int height = 20;
        var image = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var connected = x >= 6 && x < 12 ? (y < 10 ? 60 : 35) : 0;
                var isolated = x >= 18 ? 35 : 0;
                image[(y * width) + x] = (byte)(100 + connected + isolated);
            }
        }

        var edges = CannyEdgeDetector.DetectGray(image, width, height, new CannyOptions { BlurSigma = 0 });

        // The left side of the middle band is one connected edge from top to bottom.
        for (var y = 0; y < height; y++)
        {
            Assert.Contains(edges.AsSpan((y * width) + 4, 3).ToArray(), value => value == 255);
        }

        // The band to the right, weak everywhere and not touching a strong edge, disappears.
        for (var y = 0; y < height; y++)
        {
            Assert.All(edges.AsSpan((y * width) + 15, width - 15).ToArray(), value => Assert.Equal(0, value));
        }
    }

    [Fact]
    public void ApplyHysteresis_Chains_KeepsWeakPixelsConnectedToStrongOnesOnly()
    {
        // Row 0: strong, weak, weak, continued diagonally on row 1; row 3: an isolated weak pair and a pixel below
        // the low threshold.
        float[] magnitude =
        [
            250, 150, 150, 0, 0,
            0, 0, 0, 150, 0,
            0, 0, 0, 0, 0,
            150, 150, 0, 0, 50,
        ];
        var edges = new byte[magnitude.Length];

        CannyEdgeDetector.ApplyHysteresis(magnitude, 5, 4, 100, 200, edges);

        byte[] expected =
        [
            255, 255, 255, 0, 0,
            0, 0, 0, 255, 0,
            0, 0, 0, 0, 0,
            0, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, edges);
    }

    [Fact]
    public void Detect_RgbImage_MatchesTheGreyResultOfItsLuma()
    {
        var gray = Square(background: 10, square: 200);
        var rgb = gray.SelectMany(value => new[] { value, value, value }).ToArray();

        var fromRgb = CannyEdgeDetector.Detect(new ReadOnlyImageView(rgb, Size, Size, PixelLayout.Rgb24));

        Assert.Equal(CannyEdgeDetector.DetectGray(gray, Size, Size), fromRgb);
    }

    [Fact]
    public void ToConditionTensor_EdgeMap_IsThreeEqualChannelsInZeroToOne()
    {
        byte[] edges = [0, 255, 255, 0, 0, 0];

        using var condition = CannyEdgeDetector.ToConditionTensor(edges, 3, 2);

        Assert.Equal([1L, 3L, 2L, 3L], condition.shape);
        var values = condition.data<float>().ToArray();
        float[] plane = [0, 1, 1, 0, 0, 0];
        Assert.Equal(plane.Concat(plane).Concat(plane), values);
    }

    [Fact]
    public void DetectGray_BadArguments_Throw()
    {
        var image = new byte[16];

        Assert.Throws<ArgumentException>(() => CannyEdgeDetector.DetectGray(image, 5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => CannyEdgeDetector.DetectGray(image, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => CannyEdgeDetector.DetectGray(
            image, 4, 4, new CannyOptions { LowThreshold = 300, HighThreshold = 200 }));
    }

    private static byte[] Square(byte background, byte square)
    {
        var image = new byte[Size * Size];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var inside = x >= SquareStart && x < SquareEnd && y >= SquareStart && y < SquareEnd;
                image[(y * Size) + x] = inside ? square : background;
            }
        }

        return image;
    }

    // Whether (x, y) lies within margin pixels of the boundary between the square and the background.
    private static bool IsNear(int x, int y, int margin)
    {
        bool Within(int value, int low, int high) => value >= low - margin - 1 && value <= high + margin;

        var nearVertical = (Within(x, SquareStart, SquareStart - 1) || Within(x, SquareEnd, SquareEnd - 1))
            && y >= SquareStart - margin - 1 && y <= SquareEnd + margin;
        var nearHorizontal = (Within(y, SquareStart, SquareStart - 1) || Within(y, SquareEnd, SquareEnd - 1))
            && x >= SquareStart - margin - 1 && x <= SquareEnd + margin;
        return nearVertical || nearHorizontal;
    }

    private static byte[] Column(byte[] edges, int x, int top, int count) =>
        Enumerable.Range(top, count).Select(y => edges[(y * Size) + x]).ToArray();
}
