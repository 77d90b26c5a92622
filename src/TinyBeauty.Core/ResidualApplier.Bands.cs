using System.Buffers;
using System.Runtime.ExceptionServices;

namespace TinyBeauty.Core;

/// <content>Splitting a large photo into horizontal bands processed on several cores.</content>
public static partial class ResidualApplier
{
    /// <summary>Regions smaller than this many pixels run on the calling thread alone.</summary>
    private const int MinimumPixelsForBands = 256 * 1024;

    /// <summary>The most bands a photo is split into.</summary>
    private const int MaximumBands = 8;

    private static readonly Stack<BandWork> s_spareWork = new();

    private static int s_maxDegreeOfParallelism = 1;

    /// <summary>
    /// Gets or sets the most threads one call of <see cref="Apply(ReadOnlyPlanarTensorView, ReadOnlyImageView,
    /// ImageView, float)"/> may use, for the whole process. Default 1: the calling thread alone.
    /// </summary>
    /// <remarks>
    /// Above 1, a region of at least 256K pixels is split into horizontal bands (at most 8, at most one per
    /// thread allowed); the calling thread works on the first and thread-pool threads on the others, and the call
    /// returns when all are done. The result is the same for every setting. The default is 1 because, right after
    /// an inference, ONNX Runtime's threads are still spinning on the other cores: on the 2-core benchmark machine
    /// two bands made the whole photo path slower (see docs/benchmarks.md). Raise it when the cores are idle,
    /// for example when residuals come from elsewhere.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => s_maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxDegreeOfParallelism = value;
        }
    }

    private static int CountBands(ResidualRegion region)
    {
        var pixels = (long)region.Width * region.Height;
        var bands = (int)Math.Min(pixels / (MinimumPixelsForBands / 2), MaximumBands);
        return Math.Clamp(Math.Min(bands, MaxDegreeOfParallelism), 1, Math.Max(1, region.Height / 16));
    }

    /// <summary>
    /// Runs <see cref="ApplyRows"/> over the photo: on this thread alone when one band is enough, otherwise over
    /// horizontal bands, the first on this thread and the others on thread-pool threads, which read the pinned
    /// buffers through pointers. Returns when all are done.
    /// </summary>
    private static unsafe void ApplyInBands(
        ReadOnlyPlanarTensorView residual,
        ReadOnlyImageView source,
        ImageView destination,
        ResidualRegion region,
        float intensity,
        ReadOnlySpan<int> taps,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> columnWeights,
        Span<float> rows)
    {
        var bands = CountBands(region);
        if (bands == 1)
        {
            ApplyRows(
                residual, source, destination, region, intensity, taps, weights, columnWeights, rows,
                0, source.Height);
            return;
        }

        var rowsPerBand = (source.Height + bands - 1) / bands;

        fixed (float* residualData = residual.Data)
        fixed (byte* sourcePixels = source.Pixels)
        fixed (byte* destinationPixels = destination.Pixels)
        fixed (int* tapData = taps)
        fixed (float* weightData = weights)
        fixed (float* columnWeightData = columnWeights)
        {
            var shared = new BandShared(
                residualData, residual.Data.Length, residual.Channels, residual.Height, residual.Width,
                sourcePixels, source.Pixels.Length, destinationPixels, destination.Pixels.Length,
                source.Width, source.Height, source.Stride, destination.Stride, source.Layout,
                region, intensity, tapData, taps.Length, weightData, weights.Length,
                columnWeightData, columnWeights.Length);

            // The queued bands form a chain through BandWork.Next, so that no list is allocated.
            BandWork? queued = null;
            Exception? failure = null;
            try
            {
                for (var band = 1; band < bands; band++)
                {
                    var work = RentWork();
                    work.Start(shared, band * rowsPerBand, Math.Min(source.Height, (band + 1) * rowsPerBand));
                    work.Next = queued;
                    queued = work;
                    ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
                }

                ApplyRows(
                    residual, source, destination, region, intensity, taps, weights, columnWeights, rows,
                    0, Math.Min(source.Height, rowsPerBand));
            }
            finally
            {
                // The workers read through pointers into this frame's pinned buffers: wait for every one.
                while (queued is not null)
                {
                    var work = queued;
                    queued = work.Next;
                    work.Done.Wait();
                    failure ??= work.Failure;
                    ReturnWork(work);
                }
            }

            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }

    private static BandWork RentWork()
    {
        lock (s_spareWork)
        {
            if (s_spareWork.TryPop(out var work))
            {
                return work;
            }
        }

        return new BandWork();
    }

    private static void ReturnWork(BandWork work)
    {
        lock (s_spareWork)
        {
            if (s_spareWork.Count < 4 * MaximumBands)
            {
                s_spareWork.Push(work);
            }
        }
    }

    /// <summary>Everything a band needs, as pointers into buffers pinned by the calling thread.</summary>
    private readonly unsafe struct BandShared(
        float* residual,
        int residualLength,
        int residualChannels,
        int residualHeight,
        int residualWidth,
        byte* source,
        int sourceLength,
        byte* destination,
        int destinationLength,
        int width,
        int height,
        int sourceStride,
        int destinationStride,
        PixelLayout layout,
        ResidualRegion region,
        float intensity,
        int* taps,
        int tapsLength,
        float* weights,
        int weightsLength,
        float* columnWeights,
        int columnWeightsLength)
    {
        public void Run(int firstRow, int endRow)
        {
            var length = region.Width * layout.BytesPerPixel();
            var rows = ArrayPool<float>.Shared.Rent(2 * length);
            try
            {
                var residualSpan = new ReadOnlySpan<float>(residual, residualLength);
                var sourceSpan = new ReadOnlySpan<byte>(source, sourceLength);
                var destinationSpan = new Span<byte>(destination, destinationLength);
                ApplyRows(
                    new ReadOnlyPlanarTensorView(residualSpan, residualChannels, residualHeight, residualWidth),
                    new ReadOnlyImageView(sourceSpan, width, height, layout, sourceStride),
                    new ImageView(destinationSpan, width, height, layout, destinationStride),
                    region,
                    intensity,
                    new ReadOnlySpan<int>(taps, tapsLength),
                    new ReadOnlySpan<float>(weights, weightsLength),
                    new ReadOnlySpan<float>(columnWeights, columnWeightsLength),
                    rows.AsSpan(0, 2 * length),
                    firstRow,
                    endRow);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rows);
            }
        }
    }

    /// <summary>One band queued to the thread pool; reused across calls so that a call allocates nothing.</summary>
    private sealed class BandWork : IThreadPoolWorkItem
    {
        private BandShared _shared;
        private int _firstRow;
        private int _endRow;

        public ManualResetEventSlim Done { get; } = new(initialState: false);

        public BandWork? Next { get; set; }

        public Exception? Failure { get; private set; }

        public void Start(BandShared shared, int firstRow, int endRow)
        {
            _shared = shared;
            _firstRow = firstRow;
            _endRow = endRow;
            Next = null;
            Failure = null;
            Done.Reset();
        }

        public void Execute()
        {
            try
            {
                _shared.Run(_firstRow, _endRow);
            }
            catch (Exception exception)
            {
                Failure = exception;
            }
            finally
            {
                Done.Set();
            }
        }
    }
}
