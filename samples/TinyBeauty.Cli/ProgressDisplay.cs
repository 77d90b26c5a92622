using System.Globalization;

namespace TinyBeauty.Cli;

/// <summary>
/// The one-line progress display shared by <c>train</c>, <c>amplify render</c>, <c>amplify finetune</c> and
/// <c>amplify generate</c>: a bar, the count, the command's own details and the estimated time left, redrawn in place
/// on standard error with a carriage return.
/// </summary>
internal sealed class ProgressDisplay
{
    /// <summary>The characters between the bar's brackets.</summary>
    public const int BarWidth = 20;

    private int _lastLength;

    /// <summary>Formats one progress line:
    /// <c>[lead] [#####...............] unit done/total [details] eta m:ss</c>.</summary>
    /// <param name="lead">Text before the bar, such as the epoch; null or empty for none.</param>
    /// <param name="unit">What is counted, such as "step" or "photo".</param>
    /// <param name="done">The units finished; clamped to [0, total] for the bar.</param>
    /// <param name="total">The units of the whole run; below 1 draws an empty bar.</param>
    /// <param name="details">Text after the count, such as the loss; null or empty for none.</param>
    /// <param name="remaining">The estimated time left.</param>
    /// <returns>The line, without a line break.</returns>
    public static string Format(
        string? lead, string unit, long done, long total, string? details, TimeSpan remaining)
    {
        var parts = new List<string>(5);
        if (!string.IsNullOrEmpty(lead))
        {
            parts.Add(lead);
        }

        parts.Add(Bar(done, total));
        parts.Add($"{unit} {done}/{total}");
        if (!string.IsNullOrEmpty(details))
        {
            parts.Add(details);
        }

        parts.Add("eta " + Duration(remaining));
        return string.Join(' ', parts);
    }

    /// <summary>A bar of <see cref="BarWidth"/> characters in brackets, '#' for the share done and '.' for the
    /// rest, rounded down.</summary>
    public static string Bar(long done, long total)
    {
        var filled = total < 1 ? 0 : (int)(BarWidth * Math.Clamp(done, 0, total) / total);
        return $"[{new string('#', filled)}{new string('.', BarWidth - filled)}]";
    }

    /// <summary>A duration as m:ss below an hour and h:mm:ss from an hour on; negative durations show as 0:00.
    /// </summary>
    public static string Duration(TimeSpan time)
    {
        var positive = time < TimeSpan.Zero ? TimeSpan.Zero : time;
        var format = positive.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss";
        return positive.TotalDays >= 1
            ? $"{(int)positive.TotalHours}:{positive.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}"
            : positive.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>An adapter that redraws the line with <paramref name="format"/>'s text on every report.</summary>
    public IProgress<T> For<T>(Func<T, string> format) => new Adapter<T>(value => Write(format(value)));

    /// <summary>Redraws the line, padding over what the previous line left.</summary>
    public void Write(string line)
    {
        Console.Error.Write('\r' + line.PadRight(_lastLength));
        _lastLength = line.Length;
    }

    /// <summary>Ends the line so that later output starts on a fresh one; does nothing if no line was drawn.
    /// </summary>
    public void Finish()
    {
        if (_lastLength > 0)
        {
            Console.Error.WriteLine();
            _lastLength = 0;
        }
    }

    private sealed class Adapter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
