using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace TinyBeauty.Onnx.Benchmarks;

/// <summary>
/// This CPU's float32 multiply-add peak on one core: independent fused multiply-add chains, as wide as the machine
/// accelerates. Each call performs <see cref="FloatOperations"/> operations (a multiply-add counts as two), so
/// GFLOP/s = FloatOperations / mean time in ns. Compare with the photo path's inference to see how far ONNX Runtime
/// is from the peak.
/// </summary>
[BenchmarkCategory("Peak")]
public class CpuPeakBenchmarks
{
    /// <summary>Loop iterations per call.</summary>
    public const int Iterations = 1_000_000;

    /// <summary>Independent accumulators: enough to cover the latency of the multiply-add unit.</summary>
    public const int Chains = 12;

    /// <summary>Gets the float operations one call of the widest benchmark performs.</summary>
    public static long FloatOperations => 2L * Iterations * Chains * Vector512<float>.Count;

    [Benchmark]
    public float FusedMultiplyAdd512()
    {
        var a = Vector512.Create(0.999f);
        var b = Vector512.Create(0.001f);
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a;
        Vector512<float> c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (var i = 0; i < Iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b);
            c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b);
            c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b);
            c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b);
            c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b);
            c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b);
            c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }

        var sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector512.Sum(sum);
    }

    [Benchmark]
    public float FusedMultiplyAdd256()
    {
        var a = Vector256.Create(0.999f);
        var b = Vector256.Create(0.001f);
        Vector256<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a;
        Vector256<float> c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (var i = 0; i < Iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b);
            c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b);
            c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b);
            c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b);
            c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b);
            c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b);
            c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }

        var sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector256.Sum(sum);
    }
}
