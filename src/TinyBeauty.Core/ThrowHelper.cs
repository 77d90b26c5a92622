using System.Diagnostics.CodeAnalysis;

namespace TinyBeauty.Core;

/// <summary>Cold paths that build exception messages, kept out of the callers so those stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ArgumentOutOfRange(string parameterName, string message) =>
        throw new ArgumentOutOfRangeException(parameterName, message);

    [DoesNotReturn]
    public static void Argument(string parameterName, string message) =>
        throw new ArgumentException(message, parameterName);

    /// <summary>Checks the size and stride of an interleaved image.</summary>
    public static void ValidateImage(int bufferLength, int width, int height, PixelLayout layout, int stride)
    {
        if (width < 1)
        {
            ArgumentOutOfRange(nameof(width), $"The width must be at least 1, but was {width}.");
        }

        if (height < 1)
        {
            ArgumentOutOfRange(nameof(height), $"The height must be at least 1, but was {height}.");
        }

        var rowBytes = (long)width * layout.BytesPerPixel();
        if (stride < rowBytes)
        {
            ArgumentOutOfRange(
                nameof(stride),
                $"The stride must be 0 (packed) or at least width * {layout.BytesPerPixel()} = {rowBytes} bytes, "
                + $"but was {stride}.");
        }

        var needed = (long)(height - 1) * stride + rowBytes;
        if (bufferLength < needed)
        {
            Argument(
                "pixels",
                $"The pixel buffer must hold at least (height - 1) * stride + width * bytesPerPixel = {needed} bytes "
                + $"for a {width}x{height} {layout} image with stride {stride}, but has {bufferLength}.");
        }
    }

    /// <summary>Checks the shape of a planar tensor.</summary>
    public static void ValidateTensor(int dataLength, int channels, int height, int width)
    {
        if (channels < 1)
        {
            ArgumentOutOfRange(nameof(channels), $"The channel count must be at least 1, but was {channels}.");
        }

        if (height < 1)
        {
            ArgumentOutOfRange(nameof(height), $"The height must be at least 1, but was {height}.");
        }

        if (width < 1)
        {
            ArgumentOutOfRange(nameof(width), $"The width must be at least 1, but was {width}.");
        }

        var needed = (long)channels * height * width;
        if (dataLength != needed)
        {
            Argument(
                "data",
                $"The data must hold exactly channels * height * width = {needed} values for shape "
                + $"{channels}x{height}x{width}, but has {dataLength}.");
        }
    }
}
