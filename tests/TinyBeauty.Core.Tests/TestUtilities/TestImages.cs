namespace TinyBeauty.Core.Tests.TestUtilities;

/// <summary>Seeded random photos and residuals for the tests.</summary>
internal static class TestImages
{
    public static byte[] Pixels(int height, int stride, int seed)
    {
        var bytes = new byte[height * stride];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Returns residual values uniform in [-limit, limit].</summary>
    public static float[] Residual(int height, int width, int seed, float limit = 1f)
    {
        var random = new Random(seed);
        var values = new float[3 * height * width];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1) * limit;
        }

        return values;
    }
}
