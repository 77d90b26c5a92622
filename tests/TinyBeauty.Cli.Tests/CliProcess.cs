using System.Diagnostics;

namespace TinyBeauty.Cli.Tests;

/// <summary>The result of one run of the <c>tinybeauty</c> program.</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error);

/// <summary>Runs the real <c>tinybeauty</c> program, built beside the tests, as a separate process.</summary>
internal static class CliProcess
{
    public static ProcessResult Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tinybeauty.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }
}
