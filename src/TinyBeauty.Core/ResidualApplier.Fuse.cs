using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace TinyBeauty.Core;

/// <content>The fused per-row kernel: one driver, a Vector512/256/128 cascade and a scalar tail.</content>
public static partial class ResidualApplier
{
    /// <summary>
    /// Computes one row segment: for each byte i, <c>r = h0[i] * w0 + h1[i] * w1</c>, <c>s = rowScale</c> (times
    /// <c>columnWeights[i]</c> when given), then the mapping of <see cref="Map"/>. Alpha bytes (every fourth
    /// byte when <paramref name="hasAlpha"/>) are copied from the source.
    /// </summary>
    private static void FuseRow(
        ReadOnlySpan<byte> source,
        Span<byte> destination,
        ReadOnlySpan<float> h0,
        ReadOnlySpan<float> h1,
        float w0,
        float w1,
        float rowScale,
        ReadOnlySpan<float> columnWeights,
        bool hasAlpha)
    {
        var row = new RowArguments(source, destination, h0, h1, columnWeights, w0, w1, rowScale, hasAlpha);
        nuint i = 0;
        var length = (nuint)destination.Length;

        // Each width starts where the wider one stopped, so all of them run on one row; i stays a multiple of 4,
        // which keeps the alpha mask aligned with the pixels.
        if (MaxVectorBits >= 512 && Vector512.IsHardwareAccelerated)
        {
            i = Fuse512(ref row, i, length);
        }

        if (MaxVectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            i = Fuse256(ref row, i, length);
        }

        if (MaxVectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            i = Fuse128(ref row, i, length);
        }

        for (; i < length; i++)
        {
            if (hasAlpha && (i & 3) == 3)
            {
                destination[(int)i] = source[(int)i];
                continue;
            }

            var r = h0[(int)i] * w0 + h1[(int)i] * w1;
            var s = columnWeights.IsEmpty ? rowScale : rowScale * columnWeights[(int)i];
            destination[(int)i] = Map(source[(int)i], s, r);
        }
    }

    private const float InverseHalfRange = 1f / 127.5f;

    /// <summary>
    /// Gets a value indicating whether the vector kernels may replace <c>v / 127.5f</c> by a multiply with the
    /// reciprocal plus one fused-multiply-add correction step. That is only done when the machine has hardware
    /// FMA and the corrected quotient was checked, at start-up, to equal the division for all 256 byte values;
    /// otherwise the kernels divide.
    /// </summary>
    internal static bool UseCorrectedReciprocal { get; } = CorrectedReciprocalIsExact();

    /// <summary>The per-value formula shared by every path: normalise, add, clamp, map back, truncate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Map(byte value, float scale, float residual)
    {
        var x = value / 127.5f - 1f + scale * residual;
        x = Math.Clamp(x, -1f, 1f);
        return (byte)(int)((x / 2f + 0.5f) * 255f);
    }

    private static bool CorrectedReciprocalIsExact()
    {
        if (!Fma.IsSupported && !AdvSimd.IsSupported)
        {
            return false;
        }

        for (var v = 0; v < 256; v++)
        {
            if (CorrectedQuotient(v) != v / 127.5f)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Returns v / 127.5 from the rounded reciprocal: q0 = v * (1 / 127.5), the exact remainder
    /// e = v - q0 * 127.5 (one rounding, in the FMA), then q0 + e * (1 / 127.5).
    /// </summary>
    private static float CorrectedQuotient(float v)
    {
        var q = v * InverseHalfRange;
        var remainder = MathF.FusedMultiplyAdd(-q, 127.5f, v);
        return MathF.FusedMultiplyAdd(remainder, InverseHalfRange, q);
    }

    private static nuint Fuse512(ref RowArguments row, nuint i, nuint length)
    {
        ref var source = ref MemoryMarshal.GetReference(row.Source);
        ref var destination = ref MemoryMarshal.GetReference(row.Destination);
        var alphaMask = Vector512.Create(0xFF000000u).AsByte();
        for (; i + (nuint)Vector512<byte>.Count <= length; i += (nuint)Vector512<byte>.Count)
        {
            var bytes = Vector512.LoadUnsafe(ref source, i);
            var (low, high) = Vector512.Widen(bytes);
            var (q0, q1) = Vector512.Widen(low);
            var (q2, q3) = Vector512.Widen(high);
            var c0 = Compute512(ref row, q0, i);
            var c1 = Compute512(ref row, q1, i + 16);
            var c2 = Compute512(ref row, q2, i + 32);
            var c3 = Compute512(ref row, q3, i + 48);
            var result = Vector512.Narrow(Vector512.Narrow(c0, c1), Vector512.Narrow(c2, c3));
            if (row.HasAlpha)
            {
                result = Vector512.ConditionalSelect(alphaMask, bytes, result);
            }

            result.StoreUnsafe(ref destination, i);
        }

        return i;
    }

    // The vector kernels write x * 0.5f for the formula's x / 2f: halving is exact in binary floating point, so
    // both give the same bits, and a multiply is far cheaper than a vector divide. For v / 127.5f a plain
    // multiply by the reciprocal would change the last bit for 111 of the 256 byte values, hence the verified
    // FMA correction (see UseCorrectedReciprocal).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Compute512(ref RowArguments row, Vector512<uint> values, nuint i)
    {
        var r = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(row.H0), i) * row.W0
            + Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(row.H1), i) * row.W1;
        var s = Vector512.Create(row.RowScale);
        if (!row.ColumnWeights.IsEmpty)
        {
            s *= Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(row.ColumnWeights), i);
        }

        var v = Vector512.ConvertToSingle(values.AsInt32());
        Vector512<float> quotient;
        if (UseCorrectedReciprocal)
        {
            var q = v * InverseHalfRange;
            var remainder = Vector512.FusedMultiplyAdd(-q, Vector512.Create(127.5f), v);
            quotient = Vector512.FusedMultiplyAdd(remainder, Vector512.Create(InverseHalfRange), q);
        }
        else
        {
            quotient = v / 127.5f;
        }

        var x = quotient - Vector512<float>.One + s * r;
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-1f)), Vector512<float>.One);
        return Vector512.ConvertToInt32Native((x * 0.5f + Vector512.Create(0.5f)) * 255f).AsUInt32();
    }

    private static nuint Fuse256(ref RowArguments row, nuint i, nuint length)
    {
        ref var source = ref MemoryMarshal.GetReference(row.Source);
        ref var destination = ref MemoryMarshal.GetReference(row.Destination);
        var alphaMask = Vector256.Create(0xFF000000u).AsByte();
        for (; i + (nuint)Vector256<byte>.Count <= length; i += (nuint)Vector256<byte>.Count)
        {
            var bytes = Vector256.LoadUnsafe(ref source, i);
            var (low, high) = Vector256.Widen(bytes);
            var (q0, q1) = Vector256.Widen(low);
            var (q2, q3) = Vector256.Widen(high);
            var c0 = Compute256(ref row, q0, i);
            var c1 = Compute256(ref row, q1, i + 8);
            var c2 = Compute256(ref row, q2, i + 16);
            var c3 = Compute256(ref row, q3, i + 24);
            var result = Vector256.Narrow(Vector256.Narrow(c0, c1), Vector256.Narrow(c2, c3));
            if (row.HasAlpha)
            {
                result = Vector256.ConditionalSelect(alphaMask, bytes, result);
            }

            result.StoreUnsafe(ref destination, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Compute256(ref RowArguments row, Vector256<uint> values, nuint i)
    {
        var r = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(row.H0), i) * row.W0
            + Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(row.H1), i) * row.W1;
        var s = Vector256.Create(row.RowScale);
        if (!row.ColumnWeights.IsEmpty)
        {
            s *= Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(row.ColumnWeights), i);
        }

        var v = Vector256.ConvertToSingle(values.AsInt32());
        Vector256<float> quotient;
        if (UseCorrectedReciprocal)
        {
            var q = v * InverseHalfRange;
            var remainder = Vector256.FusedMultiplyAdd(-q, Vector256.Create(127.5f), v);
            quotient = Vector256.FusedMultiplyAdd(remainder, Vector256.Create(InverseHalfRange), q);
        }
        else
        {
            quotient = v / 127.5f;
        }

        var x = quotient - Vector256<float>.One + s * r;
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-1f)), Vector256<float>.One);
        return Vector256.ConvertToInt32Native((x * 0.5f + Vector256.Create(0.5f)) * 255f).AsUInt32();
    }

    private static nuint Fuse128(ref RowArguments row, nuint i, nuint length)
    {
        ref var source = ref MemoryMarshal.GetReference(row.Source);
        ref var destination = ref MemoryMarshal.GetReference(row.Destination);
        var alphaMask = Vector128.Create(0xFF000000u).AsByte();
        for (; i + (nuint)Vector128<byte>.Count <= length; i += (nuint)Vector128<byte>.Count)
        {
            var bytes = Vector128.LoadUnsafe(ref source, i);
            var (low, high) = Vector128.Widen(bytes);
            var (q0, q1) = Vector128.Widen(low);
            var (q2, q3) = Vector128.Widen(high);
            var c0 = Compute128(ref row, q0, i);
            var c1 = Compute128(ref row, q1, i + 4);
            var c2 = Compute128(ref row, q2, i + 8);
            var c3 = Compute128(ref row, q3, i + 12);
            var result = Vector128.Narrow(Vector128.Narrow(c0, c1), Vector128.Narrow(c2, c3));
            if (row.HasAlpha)
            {
                result = Vector128.ConditionalSelect(alphaMask, bytes, result);
            }

            result.StoreUnsafe(ref destination, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Compute128(ref RowArguments row, Vector128<uint> values, nuint i)
    {
        var r = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(row.H0), i) * row.W0
            + Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(row.H1), i) * row.W1;
        var s = Vector128.Create(row.RowScale);
        if (!row.ColumnWeights.IsEmpty)
        {
            s *= Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(row.ColumnWeights), i);
        }

        var v = Vector128.ConvertToSingle(values.AsInt32());
        Vector128<float> quotient;
        if (UseCorrectedReciprocal)
        {
            var q = v * InverseHalfRange;
            var remainder = Vector128.FusedMultiplyAdd(-q, Vector128.Create(127.5f), v);
            quotient = Vector128.FusedMultiplyAdd(remainder, Vector128.Create(InverseHalfRange), q);
        }
        else
        {
            quotient = v / 127.5f;
        }

        var x = quotient - Vector128<float>.One + s * r;
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(-1f)), Vector128<float>.One);
        return Vector128.ConvertToInt32Native((x * 0.5f + Vector128.Create(0.5f)) * 255f).AsUInt32();
    }

    /// <summary>The inputs of one row segment, passed by reference to the kernels.</summary>
    private readonly ref struct RowArguments(
        ReadOnlySpan<byte> source,
        Span<byte> destination,
        ReadOnlySpan<float> h0,
        ReadOnlySpan<float> h1,
        ReadOnlySpan<float> columnWeights,
        float w0,
        float w1,
        float rowScale,
        bool hasAlpha)
    {
        public readonly ReadOnlySpan<byte> Source = source;
        public readonly Span<byte> Destination = destination;
        public readonly ReadOnlySpan<float> H0 = h0;
        public readonly ReadOnlySpan<float> H1 = h1;
        public readonly ReadOnlySpan<float> ColumnWeights = columnWeights;
        public readonly float W0 = w0;
        public readonly float W1 = w1;
        public readonly float RowScale = rowScale;
        public readonly bool HasAlpha = hasAlpha;
    }
}
