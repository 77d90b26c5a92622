using System.Buffers.Binary;
using System.IO.Compression;

namespace TinyBeauty.Core.Tests.TestUtilities;

/// <summary>A decoded 8-bit image: packed rows, 3 (RGB) or 4 (RGBA) bytes per pixel.</summary>
internal sealed record PngImage(int Width, int Height, int Channels, byte[] Pixels);

/// <summary>
/// A minimal PNG decoder for the reference photos: 8-bit RGB or RGBA, not interlaced, all five row filters.
/// Core has no image codec, and this is enough to read the official example and golden output.
/// </summary>
internal static class PngReader
{
    private static readonly byte[] s_signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static PngImage Read(string path)
    {
        var file = File.ReadAllBytes(path);
        if (!file.AsSpan(0, 8).SequenceEqual(s_signature))
        {
            throw new InvalidDataException($"'{path}' is not a PNG file.");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        var offset = 8;
        while (offset < file.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(file, offset + 4, 4);
            var data = file.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var (bitDepth, colorType, interlace) = (data[8], data[9], data[12]);
                if (bitDepth != 8 || (colorType != 2 && colorType != 6) || interlace != 0)
                {
                    throw new NotSupportedException(
                        $"Only 8-bit non-interlaced RGB/RGBA PNGs are supported (depth {bitDepth}, type {colorType}).");
                }

                channels = colorType == 2 ? 3 : 4;
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            offset += 12 + length;
        }

        compressed.Position = 0;
        using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
        var rowBytes = width * channels;
        var raw = new byte[height * (rowBytes + 1)];
        inflater.ReadExactly(raw);
        var pixels = new byte[height * rowBytes];
        Unfilter(raw, pixels, height, rowBytes, channels);
        return new PngImage(width, height, channels, pixels);
    }

    private static void Unfilter(byte[] raw, byte[] pixels, int height, int rowBytes, int bpp)
    {
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (rowBytes + 1)];
            var input = raw.AsSpan(y * (rowBytes + 1) + 1, rowBytes);
            var row = pixels.AsSpan(y * rowBytes, rowBytes);
            var above = y > 0 ? pixels.AsSpan((y - 1) * rowBytes, rowBytes) : new byte[rowBytes];
            for (var i = 0; i < rowBytes; i++)
            {
                int a = i >= bpp ? row[i - bpp] : 0;
                int b = above[i];
                int c = i >= bpp ? above[i - bpp] : 0;
                var predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"Unknown PNG row filter {filter} in row {y}."),
                };
                row[i] = (byte)(input[i] + predictor);
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
