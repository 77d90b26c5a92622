using TinyBeauty.Model.Training;

namespace TinyBeauty.Model.Tests.Training;

/// <summary>
/// Small generated pairs: a smooth random face-like image and the same image with a red tint in a square, whose
/// mask marks the square as the eye region.
/// </summary>
internal sealed class SyntheticPairs : ITrainingPairSource
{
    private readonly TrainingPair[] _pairs;

    public SyntheticPairs(int count, int side = 16, int seed = 5)
    {
        _pairs = Enumerable.Range(0, count).Select(index => Create(side, seed + index)).ToArray();
    }

    public int Count => _pairs.Length;

    public int Reads { get; private set; }

    /// <summary>Gets the indices whose reads fail as a corrupt file's would.</summary>
    public HashSet<int> Unreadable { get; } = [];

    public TrainingPair Get(int index)
    {
        Reads++;
        if (Unreadable.Contains(index))
        {
            throw new InvalidDataException($"synthetic pair {index} is corrupt");
        }

        return _pairs[index];
    }

    public string GetName(int index) => $"synthetic-{index}";

    public static TrainingPair Create(int side, int seed)
    {
        var random = new Random(seed);
        var plane = side * side;
        var before = new float[3 * plane];
        var mask = new float[plane];
        var (gradientX, gradientY) = (random.NextSingle() - 0.5f, random.NextSingle() - 0.5f);
        for (var channel = 0; channel < 3; channel++)
        {
            var level = (random.NextSingle() * 0.8f) - 0.4f;
            for (var y = 0; y < side; y++)
            {
                for (var x = 0; x < side; x++)
                {
                    var noise = (random.NextSingle() - 0.5f) * 0.1f;
                    var value = level + (gradientX * x / side) + (gradientY * y / side) + noise;
                    before[(channel * plane) + (y * side) + x] = Math.Clamp(value, -1f, 1f);
                }
            }
        }

        var after = (float[])before.Clone();
        var start = side / 4;
        for (var y = start; y < side - start; y++)
        {
            for (var x = start; x < side - start; x++)
            {
                var index = (y * side) + x;
                after[index] = Math.Min(1f, after[index] + 0.6f);
                after[plane + index] -= 0.2f;
                after[(2 * plane) + index] -= 0.2f;
                mask[index] = 1f;
            }
        }

        return new TrainingPair(before, after, side, side, mask);
    }
}
