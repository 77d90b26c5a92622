using System.Buffers.Binary;

namespace TinyBeauty.Core.Tests.TestUtilities;

/// <summary>One OpenCV resize case written by Fixtures/make_resize_fixtures.py.</summary>
internal sealed record ResizeFixture(
    int SourceWidth,
    int SourceHeight,
    int DestinationWidth,
    int DestinationHeight,
    int Channels,
    byte[] Source,
    byte[] Expected)
{
    public static ResizeFixture Load(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"resize_{name}.bin"));
        var header = new int[5];
        for (var i = 0; i < header.Length; i++)
        {
            header[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        }

        var sourceLength = header[0] * header[1] * header[4];
        var destinationLength = header[2] * header[3] * header[4];
        return new ResizeFixture(
            header[0],
            header[1],
            header[2],
            header[3],
            header[4],
            bytes.AsSpan(20, sourceLength).ToArray(),
            bytes.AsSpan(20 + sourceLength, destinationLength).ToArray());
    }
}
