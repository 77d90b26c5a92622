using System.Globalization;

namespace TinyBeauty.Model.Training;

/// <summary>
/// Plots a run's <c>losses.csv</c> as a PNG: loss against step on a logarithmic axis, one line per loss term.
/// </summary>
/// <remarks>
/// <para>
/// Colours: the total loss raw per step in light grey and smoothed (a moving mean over 2% of the steps) in black; the
/// smoothed terms in blue (reconstruction), teal (squared), orange (eyeliner), green (perceptual) and red
/// (adversarial), and the smoothed discriminator loss of an adversarial run in purple. Columns are found by name in the
/// header, so files without a <c>discriminator</c> or <c>squared</c> column (written before they existed) plot as
/// before; terms that are zero throughout are left out. Grey horizontal lines mark each power of ten, labelled with its
/// exponent (for example <c>-2</c> for 0.01) at the left edge; the x axis runs from the first to the last step.
/// </para>
/// <para>The file is written to a temporary name and renamed, so a reader never sees half a picture.</para>
/// </remarks>
public static class LossCurvePlot
{
    /// <summary>The name the trainer gives the plot in the run folder.</summary>
    public const string FileName = "losses.png";

    private static readonly (string Column, byte R, byte G, byte B)[] s_terms =
    [
        ("reconstruction", 40, 90, 220),
        ("squared", 0, 170, 190),
        ("eyeliner", 240, 140, 20),
        ("perceptual", 30, 160, 60),
        ("adversarial", 210, 30, 30),
        ("discriminator", 150, 60, 200),
        ("total", 0, 0, 0),
    ];

    /// <summary>Plots a losses file written by <see cref="Trainer"/>.</summary>
    /// <param name="csvPath">
    /// The <c>losses.csv</c> file: a header row naming the columns, then one row per step.
    /// </param>
    /// <param name="pngPath">The PNG to write.</param>
    /// <param name="width">The picture's width in pixels, 200 to 4000.</param>
    /// <param name="height">The picture's height in pixels, 100 to 4000.</param>
    /// <exception cref="FileNotFoundException">The losses file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file has no step, total column or data rows; the message says
    /// which.</exception>
    public static void Write(string csvPath, string pngPath, int width = 800, int height = 400)
    {
        ArgumentException.ThrowIfNullOrEmpty(csvPath);
        ArgumentException.ThrowIfNullOrEmpty(pngPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 4000);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 4000);
        if (!File.Exists(csvPath))
        {
            throw new FileNotFoundException($"The losses file '{csvPath}' does not exist.", csvPath);
        }

        var lines = File.ReadAllLines(csvPath);
        var columns = lines.Length > 0 ? lines[0].Split(',') : [];
        var rows = lines.Skip(1).Where(line => line.Length > 0)
            .Select(line => line.Split(',').Select(Parse).ToArray())
            .Where(row => row.Length == columns.Length)
            .ToArray();
        if (Array.IndexOf(columns, "step") < 0 || Array.IndexOf(columns, "total") < 0 || rows.Length == 0)
        {
            throw new InvalidDataException(
                $"The losses file '{csvPath}' needs a header with 'step' and 'total' columns and at least one row.");
        }

        var png = PngWriter.Encode(Render(columns, rows, width, height), width, height);
        var temporary = Path.Combine(
            Path.GetDirectoryName(Path.GetFullPath(pngPath)) ?? ".", $".{Path.GetFileName(pngPath)}.tmp");
        File.WriteAllBytes(temporary, png);
        File.Move(temporary, pngPath, overwrite: true);
    }

    private static double Parse(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;

    private static byte[] Render(string[] columns, double[][] rows, int width, int height)
    {
        var canvas = new Canvas(width, height);
        var stepColumn = Array.IndexOf(columns, "step");
        var steps = rows.Select(row => row[stepColumn]).ToArray();

        var series = s_terms
            .Select(term => (term, index: Array.IndexOf(columns, term.Column)))
            .Where(entry => entry.index >= 0)
            .Select(entry => (entry.term, values: rows.Select(row => row[entry.index]).ToArray()))
            .Where(entry => entry.values.Any(value => value > 0))
            .ToArray();
        var positive = series.SelectMany(entry => entry.values).Where(value => value > 0 && double.IsFinite(value));
        var low = Math.Floor(Math.Log10(positive.DefaultIfEmpty(1e-3).Min()));
        var high = Math.Ceiling(Math.Log10(positive.DefaultIfEmpty(1).Max()));
        if (high <= low)
        {
            high = low + 1;
        }

        const int margin = 24;
        var (firstStep, lastStep) = (steps.Min(), Math.Max(steps.Max(), steps.Min() + 1));
        double X(double step) => margin + ((width - margin - 8) * (step - firstStep) / (lastStep - firstStep));
        double Y(double value) => 8 + ((height - margin - 8) * (high - Math.Log10(value)) / (high - low));

        for (var decade = low; decade <= high; decade++)
        {
            var y = (int)Math.Round(Y(Math.Pow(10, decade)));
            canvas.Line(margin, y, width - 8, y, 220, 220, 220);
            canvas.Text(((int)decade).ToString(CultureInfo.InvariantCulture), 2, y - 2, 120, 120, 120);
        }

        canvas.Line(margin, height - margin, width - 8, height - margin, 120, 120, 120);
        canvas.Line(margin, 8, margin, height - margin, 120, 120, 120);

        var window = Math.Max(1, rows.Length / 50);
        foreach (var ((column, r, g, b), values) in series)
        {
            if (column == "total")
            {
                Polyline(canvas, steps, values, X, Y, 200, 200, 200);
            }

            Polyline(canvas, steps, MovingMean(values, window), X, Y, r, g, b);
        }

        return canvas.Pixels;
    }

    private static void Polyline(
        Canvas canvas, double[] steps, double[] values, Func<double, double> x, Func<double, double> y,
        byte r, byte g, byte b)
    {
        (int X, int Y)? previous = null;
        for (var i = 0; i < values.Length; i++)
        {
            if (!(values[i] > 0) || !double.IsFinite(values[i]))
            {
                previous = null;
                continue;
            }

            var point = ((int)Math.Round(x(steps[i])), (int)Math.Round(y(values[i])));
            if (previous is { } start)
            {
                canvas.Line(start.X, start.Y, point.Item1, point.Item2, r, g, b);
            }

            previous = point;
        }
    }

    private static double[] MovingMean(double[] values, int window)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var from = Math.Max(0, i - window + 1);
            var sum = 0.0;
            for (var j = from; j <= i; j++)
            {
                sum += values[j];
            }

            result[i] = sum / (i - from + 1);
        }

        return result;
    }

    /// <summary>An RGB pixel grid, white at first, with lines and a 3 x 5 digit font.</summary>
    private sealed class Canvas
    {
        // Rows of 3 bits, top to bottom, for the digits 0-9 and the minus sign.
        private static readonly Dictionary<char, int[]> s_glyphs = new()
        {
            ['0'] = [7, 5, 5, 5, 7], ['1'] = [2, 6, 2, 2, 7], ['2'] = [7, 1, 7, 4, 7], ['3'] = [7, 1, 7, 1, 7],
            ['4'] = [5, 5, 7, 1, 1], ['5'] = [7, 4, 7, 1, 7], ['6'] = [7, 4, 7, 5, 7], ['7'] = [7, 1, 1, 1, 1],
            ['8'] = [7, 5, 7, 5, 7], ['9'] = [7, 5, 7, 1, 7], ['-'] = [0, 0, 7, 0, 0],
        };

        private readonly int _width;
        private readonly int _height;

        public Canvas(int width, int height)
        {
            _width = width;
            _height = height;
            Pixels = new byte[width * height * 3];
            Array.Fill(Pixels, (byte)255);
        }

        public byte[] Pixels { get; }

        public void Line(int x0, int y0, int x1, int y1, byte r, byte g, byte b)
        {
            var (dx, dy) = (Math.Abs(x1 - x0), -Math.Abs(y1 - y0));
            var (sx, sy) = (x0 < x1 ? 1 : -1, y0 < y1 ? 1 : -1);
            var error = dx + dy;
            while (true)
            {
                Set(x0, y0, r, g, b);
                if (x0 == x1 && y0 == y1)
                {
                    return;
                }

                var doubled = 2 * error;
                if (doubled >= dy)
                {
                    error += dy;
                    x0 += sx;
                }

                if (doubled <= dx)
                {
                    error += dx;
                    y0 += sy;
                }
            }
        }

        public void Text(string text, int x, int y, byte r, byte g, byte b)
        {
            foreach (var character in text)
            {
                if (s_glyphs.TryGetValue(character, out var rows))
                {
                    for (var row = 0; row < rows.Length; row++)
                    {
                        for (var column = 0; column < 3; column++)
                        {
                            if ((rows[row] & (4 >> column)) != 0)
                            {
                                Set(x + column, y + row, r, g, b);
                            }
                        }
                    }
                }

                x += 4;
            }
        }

        private void Set(int x, int y, byte r, byte g, byte b)
        {
            if (x >= 0 && y >= 0 && x < _width && y < _height)
            {
                var at = ((y * _width) + x) * 3;
                (Pixels[at], Pixels[at + 1], Pixels[at + 2]) = (r, g, b);
            }
        }
    }
}
