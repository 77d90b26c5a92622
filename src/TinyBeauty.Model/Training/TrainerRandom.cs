namespace TinyBeauty.Model.Training;

/// <summary>
/// A counter-based random stream (SplitMix64) keyed by the seed and a few integers such as the epoch or the step.
/// </summary>
/// <remarks>
/// Every random choice of a run is a pure function of the seed and where it happens (stream kind, epoch, step,
/// slot in the batch), so a resumed run needs no saved generator state: the step count is enough.
/// </remarks>
internal sealed class TrainerRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    private ulong _state;

    /// <summary>Creates the stream for <paramref name="seed"/> and the given keys.</summary>
    public TrainerRandom(int seed, params long[] keys)
    {
        var state = Mix((ulong)(uint)seed + Golden);
        foreach (var key in keys)
        {
            state = Mix(state ^ ((ulong)key + Golden));
        }

        _state = state;
    }

    /// <summary>Returns a uniform double in [0, 1).</summary>
    public double NextDouble()
    {
        _state += Golden;
        return (Mix(_state) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Returns a uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>Returns a uniform integer in [0, <paramref name="count"/>).</summary>
    public int Next(int count) => Math.Min(count - 1, (int)(NextDouble() * count));

    /// <summary>Shuffles the list in place (Fisher-Yates).</summary>
    public void Shuffle(int[] values)
    {
        for (var index = values.Length - 1; index > 0; index--)
        {
            var other = Next(index + 1);
            (values[index], values[other]) = (values[other], values[index]);
        }
    }

    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
