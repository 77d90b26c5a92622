using TinyBeauty.Core.Tests.TestUtilities;

namespace TinyBeauty.Core.Tests;

// Every test that changes ResidualApplier.MaxVectorBits lives in this class, so they never run in parallel.
public partial class ResidualApplierTests
{
    public static TheoryData<int, PixelLayout> PathsAndLayouts()
    {
        var data = new TheoryData<int, PixelLayout>();
        foreach (var bits in new[] { 512, 256, 128, 0 })
        {
            foreach (var layout in Enum.GetValues<PixelLayout>())
            {
                data.Add(bits, layout);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void Apply_EveryWidthUpToTwoVectorsPlusOne_EqualsScalar(int maxVectorBits, PixelLayout layout)
    {
        var bpp = layout.BytesPerPixel();
        var residual = TestImages.Residual(7, 5, seed: 11, limit: 1.2f);
        using var _ = new VectorWidthScope(maxVectorBits);

        for (var width = 1; width <= 2 * 64 + 1; width++)
        {
            const int Height = 3;
            var stride = width * bpp + width % 5;
            var source = TestImages.Pixels(Height, stride, seed: width);
            var expected = (byte[])source.Clone();
            var actual = (byte[])source.Clone();

            ResidualApplier.ApplyScalar(
                new ReadOnlyPlanarTensorView(residual, 3, 7, 5),
                new ReadOnlyImageView(source, width, Height, layout, stride),
                new ImageView(expected, width, Height, layout, stride),
                intensity: 1.5f);
            ResidualApplier.Apply(
                new ReadOnlyPlanarTensorView(residual, 3, 7, 5),
                new ReadOnlyImageView(source, width, Height, layout, stride),
                new ImageView(actual, width, Height, layout, stride),
                intensity: 1.5f);

            AssertSame(expected, actual, $"width {width}");
        }
    }

    [Theory]
    [InlineData(512, 20, 30, 48, 64)]
    [InlineData(256, 33, 17, 5, 40)]
    [InlineData(128, 65, 9, 9, 2)]
    [InlineData(0, 1, 1, 3, 3)]
    public void Apply_ResidualLargerOrOtherAspect_EqualsScalar(
        int maxVectorBits,
        int width,
        int height,
        int residualHeight,
        int residualWidth)
    {
        var source = TestImages.Pixels(height, width * 3, seed: width * height);
        var residual = TestImages.Residual(residualHeight, residualWidth, seed: residualWidth);
        var expected = new byte[source.Length];
        var actual = new byte[source.Length];
        using var _ = new VectorWidthScope(maxVectorBits);

        ResidualApplier.ApplyScalar(
            new ReadOnlyPlanarTensorView(residual, 3, residualHeight, residualWidth),
            new ReadOnlyImageView(source, width, height, PixelLayout.Rgb24),
            new ImageView(expected, width, height, PixelLayout.Rgb24));
        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, residualHeight, residualWidth),
            new ReadOnlyImageView(source, width, height, PixelLayout.Rgb24),
            new ImageView(actual, width, height, PixelLayout.Rgb24));

        AssertSame(expected, actual, $"{width}x{height} photo, {residualWidth}x{residualHeight} residual");
    }

    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void Apply_FeatheredRegion_EqualsScalar(int maxVectorBits, PixelLayout layout)
    {
        var bpp = layout.BytesPerPixel();
        const int Width = 150, Height = 40;
        var stride = Width * bpp + 3;
        var source = TestImages.Pixels(Height, stride, seed: 2);
        var residual = TestImages.Residual(9, 13, seed: 3);
        var region = new ResidualRegion(17, 5, 101, 31, Feather: 6);
        var expected = new byte[source.Length];
        var actual = new byte[source.Length];
        using var _ = new VectorWidthScope(maxVectorBits);

        ResidualApplier.ApplyScalar(
            new ReadOnlyPlanarTensorView(residual, 3, 9, 13),
            new ReadOnlyImageView(source, Width, Height, layout, stride),
            new ImageView(expected, Width, Height, layout, stride),
            region,
            0.8f);
        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 9, 13),
            new ReadOnlyImageView(source, Width, Height, layout, stride),
            new ImageView(actual, Width, Height, layout, stride),
            region,
            0.8f);

        AssertSame(expected, actual, "feathered region");
    }

    [Theory]
    [InlineData(512)]
    [InlineData(0)]
    public void Apply_InPlace_EqualsSeparateDestination(int maxVectorBits)
    {
        const int Width = 77, Height = 9;
        var stride = Width * 4;
        var source = TestImages.Pixels(Height, stride, seed: 4);
        var residual = TestImages.Residual(4, 6, seed: 5);
        var separate = new byte[source.Length];
        var inPlace = (byte[])source.Clone();
        using var _ = new VectorWidthScope(maxVectorBits);

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 4, 6),
            new ReadOnlyImageView(source, Width, Height, PixelLayout.Rgba32),
            new ImageView(separate, Width, Height, PixelLayout.Rgba32),
            new ResidualRegion(3, 2, 60, 5, 2));
        var view = new ImageView(inPlace, Width, Height, PixelLayout.Rgba32);
        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 4, 6),
            view,
            view,
            new ResidualRegion(3, 2, 60, 5, 2));

        AssertSame(separate, inPlace, "in place");
    }

    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void Apply_ZeroIntensity_ReturnsInputExactly(int maxVectorBits, PixelLayout layout)
    {
        var bpp = layout.BytesPerPixel();
        const int Width = 256, Height = 2;
        var source = new byte[Width * Height * bpp];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = (byte)(i / bpp);
        }

        var residual = TestImages.Residual(3, 3, seed: 6);
        var destination = new byte[source.Length];
        using var _ = new VectorWidthScope(maxVectorBits);

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 3, 3),
            new ReadOnlyImageView(source, Width, Height, layout),
            new ImageView(destination, Width, Height, layout),
            intensity: 0f);

        AssertSame(source, destination, "intensity 0");
    }

    [Theory]
    [InlineData(512)]
    [InlineData(0)]
    public void Apply_ZeroResidualAtFullIntensity_TruncatesLikeReference(int maxVectorBits)
    {
        var source = new byte[256 * 3];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = (byte)(i / 3);
        }

        var destination = new byte[source.Length];
        using var _ = new VectorWidthScope(maxVectorBits);

        ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(new float[3 * 2 * 2], 3, 2, 2),
            new ReadOnlyImageView(source, 256, 1, PixelLayout.Rgb24),
            new ImageView(destination, 256, 1, PixelLayout.Rgb24));

        var lowered = 0;
        for (var i = 0; i < source.Length; i++)
        {
            var expected = (byte)(int)(((source[i] / 127.5f - 1f) / 2f + 0.5f) * 255f);
            Assert.Equal(expected, destination[i]);
            Assert.InRange(source[i] - destination[i], 0, 1);
            lowered += source[i] - destination[i];
        }

        Assert.Equal(3 * 63, lowered);
    }

    [Fact]
    public void UseCorrectedReciprocal_MachineWithFma_IsEnabled()
    {
        // Every x64 machine with AVX2 and every Arm64 machine has FMA; the start-up check must then pass, or the
        // kernels silently fall back to the slower division.
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
        {
            Assert.True(ResidualApplier.UseCorrectedReciprocal);
        }
    }

    [Fact]
    public void Apply_SteadyState_AllocatesNothing()
    {
        const int Width = 300, Height = 200;
        var source = TestImages.Pixels(Height, Width * 3, seed: 7);
        var destination = new byte[source.Length];
        var residual = TestImages.Residual(64, 64, seed: 8);
        void Run() => ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 64, 64),
            new ReadOnlyImageView(source, Width, Height, PixelLayout.Rgb24),
            new ImageView(destination, Width, Height, PixelLayout.Rgb24),
            new ResidualRegion(10, 10, 250, 150, 8));

        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 100, $"A second call allocated {allocated} bytes.");
    }

    private static void AssertSame(byte[] expected, byte[] actual, string what)
    {
        var differing = 0;
        var largest = 0;
        var first = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs(expected[i] - actual[i]);
            if (difference != 0)
            {
                differing++;
                largest = Math.Max(largest, difference);
                first = first < 0 ? i : first;
            }
        }

        Assert.True(
            differing == 0,
            $"{what}: {differing} of {expected.Length} bytes differ (largest by {largest}, first at {first}).");
    }

    /// <summary>Limits the fast path's vector width for the lifetime of the scope.</summary>
    private sealed class VectorWidthScope : IDisposable
    {
        private readonly int _previous = ResidualApplier.MaxVectorBits;

        public VectorWidthScope(int maxVectorBits) => ResidualApplier.MaxVectorBits = maxVectorBits;

        public void Dispose() => ResidualApplier.MaxVectorBits = _previous;
    }
}
