using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Core;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Onnx;

/// <content>Making up every face of a photo that is not a face crop.</content>
public sealed partial class MakeupSession
{
    /// <summary>
    /// Finds the faces in a photo (group photos, small faces) and makes up each one: a square region around the
    /// face (<see cref="FaceBox.ToMakeupRegion"/>) is made up like a face crop and blended back with a feathered
    /// edge. The rest of the photo is left unchanged. Faces are processed one after another, best detection first,
    /// so where two regions overlap the second one sees the first one's makeup.
    /// </summary>
    /// <param name="image">The photo; made up in place. Its pixels must be contiguous, as they are for images
    /// read by <see cref="MakeupImage.Load(string, long)"/>.</param>
    /// <param name="detector">The face detector to use; it is not disposed.</param>
    /// <param name="intensity">How strongly the makeup is applied, in [0, 2]; default 1.</param>
    /// <param name="minScore">The lowest detection score kept; default 0.5.</param>
    /// <returns>The number of faces made up; 0 leaves the photo unchanged.</returns>
    /// <exception cref="NotSupportedException">The image's pixels are not in one contiguous buffer.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The intensity is outside [0, 2] or not finite.</exception>
    /// <exception cref="MakeupModelException">The model produced a value that is not finite.</exception>
    public int ApplyToFaces(Image<Rgb24> image, FaceDetector detector, float intensity = 1f, float minScore = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detector);
        CheckIntensity(intensity);
        var view = ContiguousView(image);
        var faces = detector.Detect(view, minScore);
        foreach (var face in faces)
        {
            Apply(view, view, face.Box.ToMakeupRegion(image.Width, image.Height), intensity);
        }

        return faces.Count;
    }

    /// <summary>Returns a view over an image's pixels, which must lie in one contiguous buffer.</summary>
    /// <exception cref="NotSupportedException">The pixels are split over several buffers.</exception>
    internal static ImageView ContiguousView(Image<Rgb24> image)
    {
        if (!image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            throw new NotSupportedException(
                "The image's pixels are split over several buffers; load it with MakeupImage.Load or configure "
                + "ImageSharp with PreferContiguousImageBuffers.");
        }

        return new ImageView(MemoryMarshal.AsBytes(memory.Span), image.Width, image.Height, PixelLayout.Rgb24);
    }
}
