namespace TinyBeauty.Amplify.Benchmarks;

/// <summary>
/// Reports the benchmark process's peak resident memory. libtorch allocates natively, so BenchmarkDotNet's managed
/// allocation columns miss it; Linux's VmHWM counts everything the process ever held at once.
/// </summary>
internal static class PeakMemory
{
    /// <summary>Prints <c>// &lt;what&gt;: peak resident memory &lt;VmHWM&gt;</c> to the benchmark's output.</summary>
    public static void Print(string what)
    {
        var peak = File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status")
                .FirstOrDefault(line => line.StartsWith("VmHWM", StringComparison.Ordinal))
            : null;
        Console.WriteLine($"// {what}: peak resident memory {peak?.Split(':')[1].Trim() ?? "unknown"}");
    }
}
