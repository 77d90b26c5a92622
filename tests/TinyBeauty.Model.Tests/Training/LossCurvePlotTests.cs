using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using TinyBeauty.Model.Training;

namespace TinyBeauty.Model.Tests.Training;

public sealed class LossCurvePlotTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"tinybeauty-plot-{Guid.NewGuid():N}");

    public LossCurvePlotTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Write_Losses_WritesAPngWithTheCurves()
    {
        var csv = Path.Combine(_folder, "losses.csv");
        var rows = Enumerable.Range(1, 300).Select(step => string.Create(
            CultureInfo.InvariantCulture, $"{step},1,{0.5 / step},{0.4 / step},{0.1 / step},0,0,0.0002"));
        const string header = "step,epoch,total,reconstruction,eyeliner,perceptual,adversarial,learning_rate";
        File.WriteAllLines(csv, [header, .. rows]);
        var png = Path.Combine(_folder, "losses.png");

        LossCurvePlot.Write(csv, png, width: 320, height: 160);

        var (width, height, pixels) = Decode(File.ReadAllBytes(png));
        Assert.Equal((320, 160), (width, height));
        var colours = Enumerable.Range(0, width * height)
            .Select(i => (pixels[3 * i], pixels[(3 * i) + 1], pixels[(3 * i) + 2]))
            .ToHashSet();
        Assert.Contains(((byte)0, (byte)0, (byte)0), colours);
        Assert.Contains(((byte)40, (byte)90, (byte)220), colours);
        Assert.Contains(((byte)240, (byte)140, (byte)20), colours);
        Assert.DoesNotContain(((byte)30, (byte)160, (byte)60), colours);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void Write_DiscriminatorColumn_DrawsItInPurple()
    {
        var csv = Path.Combine(_folder, "losses.csv");
        var rows = Enumerable.Range(1, 100).Select(step => string.Create(
            CultureInfo.InvariantCulture, $"{step},1,{0.5 / step},{0.4 / step},0,0,{0.3 / step},0.0002,0.25"));
        const string header =
            "step,epoch,total,reconstruction,eyeliner,perceptual,adversarial,learning_rate,discriminator";
        File.WriteAllLines(csv, [header, .. rows]);
        var png = Path.Combine(_folder, "losses.png");

        LossCurvePlot.Write(csv, png, width: 320, height: 160);

        var (width, height, pixels) = Decode(File.ReadAllBytes(png));
        var colours = Enumerable.Range(0, width * height)
            .Select(i => (pixels[3 * i], pixels[(3 * i) + 1], pixels[(3 * i) + 2]))
            .ToHashSet();
        Assert.Contains(((byte)150, (byte)60, (byte)200), colours);
        Assert.Contains(((byte)210, (byte)30, (byte)30), colours);
    }

    [Fact]
    public void Write_NoRows_ThrowsNamingTheFile()
    {
        var csv = Path.Combine(_folder, "losses.csv");
        File.WriteAllText(csv, "step,total\n");

        var exception = Assert.Throws<InvalidDataException>(
            () => LossCurvePlot.Write(csv, Path.Combine(_folder, "losses.png")));

        Assert.Contains(csv, exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "losses.png")));
    }

    /// <summary>Reads back an 8-bit RGB PNG written with filter 0 rows, checking every chunk's CRC.</summary>
    private static (int Width, int Height, byte[] Pixels) Decode(byte[] file)
    {
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], file[..8]);
        var (width, height) = (0, 0);
        using var data = new MemoryStream();
        for (var at = 8; at < file.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var body = file.AsSpan(at + 8, length);
            var storedCrc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + length));
            Assert.Equal(Crc32(file.AsSpan(at + 4, length + 4)), storedCrc);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.Equal(8, body[8]);
                Assert.Equal(2, body[9]);
            }
            else if (type == "IDAT")
            {
                data.Write(body);
            }

            at += length + 12;
        }

        data.Position = 0;
        using var zlib = new ZLibStream(data, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(height * ((width * 3) + 1), bytes.Length);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, bytes[y * ((width * 3) + 1)]);
            bytes.AsSpan((y * ((width * 3) + 1)) + 1, width * 3).CopyTo(pixels.AsSpan(y * width * 3));
        }

        return (width, height, pixels);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in bytes)
        {
            crc ^= value;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFFu;
    }
}
