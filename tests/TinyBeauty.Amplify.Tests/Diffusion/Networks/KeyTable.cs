using System.Globalization;
using TinyBeauty.Testing;

namespace TinyBeauty.Amplify.Tests.Diffusion.Networks;

/// <summary>Reads the shared state-dict key tables (<c>reference/sd15/*.tsv</c>).</summary>
internal static class KeyTable
{
    public const string Folder = "reference/sd15/";

    /// <summary>Reads the float rows of a table as name and shape, in table order (int64 buffers left out).</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> ReadParameters(string relativePath)
    {
        var rows = new List<(string, long[])>();
        var sawHeader = false;
        foreach (var line in File.ReadLines(ReferenceData.Path(Folder + relativePath)))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var columns = line.Split('\t');
            if (!sawHeader)
            {
                Assert.Equal("key", columns[0]);
                sawHeader = true;
                continue;
            }

            if (columns[2] == "I64")
            {
                continue;
            }

            var shape = columns[1].Trim('[', ']')
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(dimension => long.Parse(dimension, CultureInfo.InvariantCulture))
                .ToArray();
            rows.Add((columns[0], shape));
        }

        return rows;
    }

    /// <summary>Asserts that names and shapes equal the table's rows, as sets and one by one.</summary>
    public static void AssertMatches(string relativePath, IEnumerable<(string Name, long[] Shape)> actual)
    {
        var expected = ReadParameters(relativePath).ToDictionary(row => row.Name, row => row.Shape);
        var described = actual.ToDictionary(row => row.Name, row => row.Shape);

        var missing = expected.Keys.Except(described.Keys).ToList();
        var extra = described.Keys.Except(expected.Keys).ToList();
        Assert.True(missing.Count == 0, "Missing: " + string.Join(", ", missing.Take(10)));
        Assert.True(extra.Count == 0, "Extra: " + string.Join(", ", extra.Take(10)));
        foreach (var (name, shape) in expected)
        {
            Assert.True(
                shape.SequenceEqual(described[name]),
                $"{name}: expected [{string.Join(", ", shape)}], got [{string.Join(", ", described[name])}]");
        }
    }
}
