using TinyBeauty.Core.Tests.TestUtilities;

namespace TinyBeauty.Core.Tests;

public partial class ResidualApplierTests
{
    [Theory]
    [InlineData(PixelLayout.Rgb24, 2)]
    [InlineData(PixelLayout.Bgr24, 3)]
    [InlineData(PixelLayout.Rgba32, 8)]
    public void Apply_LargePhotoInBands_EqualsOneThread(PixelLayout layout, int threads)
    {
        const int Width = 777, Height = 701;
        var stride = Width * layout.BytesPerPixel() + 3;
        var source = TestImages.Pixels(Height, stride, seed: 21);
        var residual = TestImages.Residual(200, 256, seed: 22);
        var region = new ResidualRegion(5, 9, 760, 680, Feather: 20);

        var single = Run(1);
        var banded = Run(threads);

        AssertSame(single, banded, $"{threads} bands against one");

        byte[] Run(int degree)
        {
            using var _ = new ParallelismScope(degree);
            var destination = (byte[])source.Clone();
            ResidualApplier.Apply(
                new ReadOnlyPlanarTensorView(residual, 3, 200, 256),
                new ReadOnlyImageView(source, Width, Height, layout, stride),
                new ImageView(destination, Width, Height, layout, stride),
                region);
            return destination;
        }
    }

    [Fact]
    public void Apply_LargePhotoInBandsInPlace_EqualsScalar()
    {
        const int Size = 1024;
        var pixels = TestImages.Pixels(Size, Size * 3, seed: 23);
        var expected = new byte[pixels.Length];
        var residual = TestImages.Residual(256, 256, seed: 24);
        ResidualApplier.ApplyScalar(
            new ReadOnlyPlanarTensorView(residual, 3, 256, 256),
            new ReadOnlyImageView(pixels, Size, Size, PixelLayout.Rgb24),
            new ImageView(expected, Size, Size, PixelLayout.Rgb24));

        using var _ = new ParallelismScope(4);
        var view = new ImageView(pixels, Size, Size, PixelLayout.Rgb24);
        ResidualApplier.Apply(new ReadOnlyPlanarTensorView(residual, 3, 256, 256), view, view);

        AssertSame(expected, pixels, "four bands in place against scalar");
    }

    [Fact]
    public void Apply_LargePhotoInBandsSteadyState_AllocatesNothing()
    {
        const int Size = 1024;
        var source = TestImages.Pixels(Size, Size * 3, seed: 25);
        var destination = new byte[source.Length];
        var residual = TestImages.Residual(256, 256, seed: 26);
        using var _ = new ParallelismScope(2);
        void Run() => ResidualApplier.Apply(
            new ReadOnlyPlanarTensorView(residual, 3, 256, 256),
            new ReadOnlyImageView(source, Size, Size, PixelLayout.Rgb24),
            new ImageView(destination, Size, Size, PixelLayout.Rgb24));

        Run();
        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 100, $"A banded call allocated {allocated} bytes on the calling thread.");
    }

    private sealed class ParallelismScope : IDisposable
    {
        private readonly int _previous = ResidualApplier.MaxDegreeOfParallelism;

        public ParallelismScope(int degree) => ResidualApplier.MaxDegreeOfParallelism = degree;

        public void Dispose() => ResidualApplier.MaxDegreeOfParallelism = _previous;
    }
}
