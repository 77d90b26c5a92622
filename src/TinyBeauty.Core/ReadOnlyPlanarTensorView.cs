namespace TinyBeauty.Core;

/// <summary>
/// A read-only view of a planar float32 tensor in CHW order held in caller memory: element (c, y, x) lives at
/// index c * Height * Width + y * Width + x, with no padding anywhere.
/// </summary>
public readonly ref struct ReadOnlyPlanarTensorView
{
    private readonly ReadOnlySpan<float> _data;

    /// <summary>Creates a view over <paramref name="data"/>.</summary>
    /// <param name="data">The values; its length must be exactly channels * height * width.</param>
    /// <param name="channels">The number of planes, at least 1.</param>
    /// <param name="height">The rows of each plane, at least 1.</param>
    /// <param name="width">The columns of each plane, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    /// <exception cref="ArgumentException">The length of <paramref name="data"/> does not match the shape.</exception>
    public ReadOnlyPlanarTensorView(ReadOnlySpan<float> data, int channels, int height, int width)
    {
        ThrowHelper.ValidateTensor(data.Length, channels, height, width);
        _data = data;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Gets all values, plane after plane.</summary>
    public ReadOnlySpan<float> Data => _data;

    /// <summary>Gets the number of planes.</summary>
    public int Channels { get; }

    /// <summary>Gets the rows of each plane.</summary>
    public int Height { get; }

    /// <summary>Gets the columns of each plane.</summary>
    public int Width { get; }

    /// <summary>Returns the Height * Width values of plane <paramref name="channel"/>.</summary>
    /// <param name="channel">The plane, from 0 to <see cref="Channels"/> - 1.</param>
    /// <returns>The plane, row after row.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channel"/> is outside [0, Channels).</exception>
    public ReadOnlySpan<float> GetPlane(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Channels);
        var planeSize = Height * Width;
        return _data.Slice(channel * planeSize, planeSize);
    }
}
