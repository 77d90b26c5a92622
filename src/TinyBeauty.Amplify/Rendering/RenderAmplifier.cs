using System.Diagnostics;
using System.Numerics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TinyBeauty.Core;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Faces;

namespace TinyBeauty.Amplify.Rendering;

/// <summary>
/// Turns a folder of face photos into before/after training pairs by cropping each face and painting a
/// <see cref="MakeupStyle"/> on it with <see cref="MakeupRenderer"/>.
/// </summary>
/// <remarks>
/// <para>
/// The output is a pair folder as the trainer reads it: <c>before/&lt;name&gt;.png</c>,
/// <c>after/&lt;name&gt;.png</c> and, unless turned off, <c>masks/&lt;name&gt;-&lt;region&gt;.png</c>. A pair is
/// named <c>&lt;photo&gt;-f&lt;face&gt;-&lt;variant&gt;</c>, faces numbered from 0 in detection order. Every file is
/// written to a temporary name and renamed, so a stopped run leaves no half-written image, and a rerun skips the
/// pairs already present: the run is resumable. The same options and seed give the same pairs.
/// </para>
/// <para>
/// The face mesh runs on the whole photo once; each pair is a square crop around a face, resized to
/// <see cref="RenderAmplifierOptions.Size"/>, with the mesh carried over, so faces are not re-detected in the crop.
/// The first pair of each face is axis-aligned and pushed inside the photo where it would cross an edge; later pairs
/// may be moved, scaled, turned and recoloured (<see cref="RenderAmplifierOptions.CropJitter"/>,
/// <see cref="RenderAmplifierOptions.RotationJitter"/>, <see cref="RenderAmplifierOptions.ToneJitter"/>), and a
/// turned crop repeats the photo's edge pixels where it reaches beyond the photo.
/// </para>
/// </remarks>
public sealed class RenderAmplifier : IDisposable
{
    private static readonly string[] s_photoExtensions = [".png", ".jpg", ".jpeg"];

    private readonly FaceMesh _mesh;
    private readonly bool _ownsMesh;

    /// <summary>Creates an amplifier that loads its own face models.</summary>
    public RenderAmplifier()
        : this(new FaceMesh(), ownsMesh: true)
    {
    }

    /// <summary>Creates an amplifier that uses a face mesh the caller owns and disposes.</summary>
    /// <param name="mesh">The face mesh.</param>
    public RenderAmplifier(FaceMesh mesh)
        : this(mesh ?? throw new ArgumentNullException(nameof(mesh)), ownsMesh: false)
    {
    }

    private RenderAmplifier(FaceMesh mesh, bool ownsMesh)
    {
        _mesh = mesh;
        _ownsMesh = ownsMesh;
    }

    /// <summary>Renders pairs from every photo (.png, .jpg, .jpeg) directly inside a folder.</summary>
    /// <param name="facesFolder">The folder of face photos.</param>
    /// <param name="style">The style to paint.</param>
    /// <param name="outputFolder">The pair folder to write; created if needed.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="progress">Receives a report after every pair; may be null.</param>
    /// <param name="cancellationToken">Stops the run between pairs; finished pairs are kept.</param>
    /// <returns>What was written and which photos were skipped.</returns>
    /// <exception cref="DirectoryNotFoundException">The faces folder does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The folder holds no photo, no face was found in any photo, or (with
    /// <see cref="RenderAmplifierOptions.StopOnProblem"/>) a photo could not be used; the message names the file.
    /// </exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public RenderReport Run(
        string facesFolder,
        MakeupStyle style,
        string outputFolder,
        RenderAmplifierOptions? options = null,
        IProgress<RenderProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(facesFolder);
        ArgumentNullException.ThrowIfNull(style);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        options ??= new RenderAmplifierOptions();
        options.Validate();
        style.Validate();
        if (!Directory.Exists(facesFolder))
        {
            throw new DirectoryNotFoundException($"The faces folder '{facesFolder}' does not exist.");
        }

        var photos = Directory.EnumerateFiles(facesFolder)
            .Where(path => s_photoExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
            .Where(path => !Path.GetFileName(path).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (photos.Length == 0)
        {
            throw new InvalidDataException($"The faces folder '{facesFolder}' holds no .png, .jpg or .jpeg photo.");
        }

        var problems = new List<RenderProblem>();
        var found = new List<(string Photo, IReadOnlyList<FaceLandmarks> Faces)>();
        foreach (var photo in photos)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var faces = FindFaces(photo, options, problems);
            if (faces.Count > 0)
            {
                found.Add((photo, faces));
            }
        }

        var faceCount = found.Sum(entry => entry.Faces.Count);
        if (faceCount == 0)
        {
            throw new InvalidDataException(
                $"No face was found in any photo of '{facesFolder}': " +
                string.Join("; ", problems.Take(3).Select(p => $"{Path.GetFileName(p.Path)}: {p.Reason}")));
        }

        var total = options.Count > 0 ? options.Count : faceCount;
        foreach (var folder in new[] { "before", "after", "masks" })
        {
            Directory.CreateDirectory(Path.Combine(outputFolder, folder));
        }

        var clock = Stopwatch.StartNew();
        var (written, present, done) = (0, 0, 0);
        var faceIndex = 0;
        foreach (var (photoPath, faces) in found)
        {
            // Pair p goes to face p mod faceCount, so every face gets a share when count is not a multiple.
            var plans = new List<(int Face, int Variant)>();
            for (var face = 0; face < faces.Count; face++, faceIndex++)
            {
                for (var pair = faceIndex; pair < total; pair += faceCount)
                {
                    plans.Add((face, pair / faceCount));
                }
            }

            if (plans.Count == 0)
            {
                continue;
            }

            Image<Rgb24>? photo = null;
            try
            {
                foreach (var (face, variant) in plans)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var name = $"{Path.GetFileNameWithoutExtension(photoPath)}-f{face}-{variant:D3}";
                    if (PairExists(outputFolder, name, options.WriteMasks))
                    {
                        present++;
                    }
                    else
                    {
                        photo ??= MakeupImage.Load(photoPath, options.MaxPixels);
                        var random = new Random(StableSeed(options.Seed, name));
                        var pairStyle = variant == 0 ? style : StyleVariation.Vary(style, options.StyleJitter, random);
                        WritePair(photo, faces[face], pairStyle, options, variant > 0, random, outputFolder, name);
                        written++;
                    }

                    done++;
                    progress?.Report(new RenderProgress(done, total, name, clock.Elapsed));
                }
            }
            finally
            {
                photo?.Dispose();
            }
        }

        return new RenderReport(written, present, faceCount, problems);
    }

    /// <summary>Disposes the face mesh if this amplifier created it.</summary>
    public void Dispose()
    {
        if (_ownsMesh)
        {
            _mesh.Dispose();
        }
    }

    private IReadOnlyList<FaceLandmarks> FindFaces(
        string photoPath, RenderAmplifierOptions options, List<RenderProblem> problems)
    {
        string reason;
        try
        {
            using var photo = MakeupImage.Load(photoPath, options.MaxPixels);
            if (FaceDetector.DescribeTooSmall(photo.Width, photo.Height) is { } tooSmall)
            {
                throw new InvalidDataException(tooSmall);
            }

            var pixels = new byte[photo.Width * photo.Height * 3];
            photo.CopyPixelDataTo(pixels);
            var faces = _mesh.Find(new ReadOnlyImageView(pixels, photo.Width, photo.Height, PixelLayout.Rgb24));
            if (faces.Count > 0)
            {
                return faces;
            }

            reason = "no face found";
        }
        catch (Exception exception) when (exception is InvalidDataException or UnknownImageFormatException
            or ImageFormatException or IOException or NotSupportedException)
        {
            reason = exception.Message;
        }

        if (options.StopOnProblem)
        {
            throw new InvalidDataException($"The photo '{photoPath}' cannot be used: {reason}");
        }

        problems.Add(new RenderProblem(photoPath, reason));
        return [];
    }

    private static bool PairExists(string outputFolder, string name, bool withMasks) =>
        File.Exists(Path.Combine(outputFolder, "before", name + ".png"))
        && File.Exists(Path.Combine(outputFolder, "after", name + ".png"))
        && (!withMasks || File.Exists(Path.Combine(outputFolder, "masks", name + "-face.png")));

    private static void WritePair(
        Image<Rgb24> photo,
        FaceLandmarks face,
        MakeupStyle style,
        RenderAmplifierOptions options,
        bool varied,
        Random random,
        string outputFolder,
        string name)
    {
        var size = options.Size;
        var jitter = varied ? options.CropJitter : 0f;
        var (centre, side) = CropFrame(face, options.CropScale, jitter, random);
        var angle = varied && options.RotationJitter > 0
            ? options.RotationJitter * ((2f * random.NextSingle()) - 1f) * MathF.PI / 180f
            : 0f;
        var (beforePixels, cropFace) = angle == 0f
            ? CropSquare(photo, face, centre, side, size)
            : CropTurned(photo, face, centre, side, angle, size);
        if (varied && options.ToneJitter > 0)
        {
            ToneVariation.Apply(beforePixels, options.ToneJitter, random);
        }

        var afterPixels = new byte[beforePixels.Length];
        MakeupRenderer.Render(
            new ReadOnlyImageView(beforePixels, size, size, PixelLayout.Rgb24),
            cropFace,
            style,
            new ImageView(afterPixels, size, size, PixelLayout.Rgb24));

        if (options.WriteMasks)
        {
            WriteMask(outputFolder, name, "eyes", size, mask => FaceMasks.DrawEyes(cropFace, mask, size, size));
            WriteMask(outputFolder, name, "eye-region",
                size, mask => FaceMasks.DrawEyeRegion(cropFace, mask, size, size));
            WriteMask(outputFolder, name, "lips", size, mask => FaceMasks.DrawLips(cropFace, mask, size, size));
            WriteMask(outputFolder, name, "cheeks",
                size, mask => MakeupRenderer.DrawCheeks(cropFace, mask, size, size));
        }

        using (var after = Image.LoadPixelData<Rgb24>(afterPixels, size, size))
        {
            MakeupImage.Save(after, Path.Combine(outputFolder, "after", name + ".png"));
        }

        using (var before = Image.LoadPixelData<Rgb24>(beforePixels, size, size))
        {
            MakeupImage.Save(before, Path.Combine(outputFolder, "before", name + ".png"));
        }

        // The face mask goes last: its presence marks the pair as complete for a rerun.
        if (options.WriteMasks)
        {
            WriteMask(outputFolder, name, "face", size, mask => FaceMasks.DrawFaceOval(cropFace, mask, size, size));
        }
    }

    private delegate void MaskDrawer(Span<byte> mask);

    /// <summary>Mixes the run's seed with the pair's name (FNV-1a), the same in every process.</summary>
    private static int StableSeed(int seed, string name)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var character in name)
        {
            hash = (hash ^ character) * 16777619u;
        }

        return (int)(hash & int.MaxValue);
    }

    private static void WriteMask(string outputFolder, string name, string region, int size, MaskDrawer draw)
    {
        var mask = new byte[size * size];
        draw(mask);
        using var image = Image.LoadPixelData<L8>(mask, size, size);
        MakeupImage.Save(image, Path.Combine(outputFolder, "masks", $"{name}-{region}.png"));
    }

    /// <summary>The crop's centre and side in photo pixels: a square around the landmarks, jittered.</summary>
    private static (Vector2 Centre, float Side) CropFrame(
        FaceLandmarks face, float cropScale, float jitter, Random random)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var point in face.Points)
        {
            min = Vector2.Min(min, new Vector2(point.X, point.Y));
            max = Vector2.Max(max, new Vector2(point.X, point.Y));
        }

        var extent = MathF.Max(max.X - min.X, max.Y - min.Y);
        var side = extent * cropScale * (1f + (jitter * ((2f * random.NextSingle()) - 1f)));
        var centre = ((min + max) / 2f) + (jitter * side * new Vector2(
            (2f * random.NextSingle()) - 1f, (2f * random.NextSingle()) - 1f));
        return (centre, side);
    }

    /// <summary>
    /// An axis-aligned crop of whole pixels, pushed inside the photo where it would cross an edge, resized to
    /// <paramref name="size"/>, with the landmarks carried over.
    /// </summary>
    private static (byte[] Pixels, FaceLandmarks Face) CropSquare(
        Image<Rgb24> photo, FaceLandmarks face, Vector2 centre, float side, int size)
    {
        var whole = Math.Clamp((int)MathF.Round(side), 8, Math.Min(photo.Width, photo.Height));
        var left = Math.Clamp((int)MathF.Round(centre.X - (whole / 2f)), 0, photo.Width - whole);
        var top = Math.Clamp((int)MathF.Round(centre.Y - (whole / 2f)), 0, photo.Height - whole);
        using var crop = photo.Clone(image => image
            .Crop(new Rectangle(left, top, whole, whole))
            .Resize(size, size, KnownResamplers.Triangle));
        var pixels = new byte[size * size * 3];
        crop.CopyPixelDataTo(pixels);

        var scale = size / (float)whole;
        var points = face.Points
            .Select(p => new Vector3((p.X - left) * scale, (p.Y - top) * scale, p.Z * scale))
            .ToArray();
        return (pixels, face with { Points = points });
    }

    /// <summary>
    /// A crop turned by <paramref name="angle"/> radians about its centre: the photo region under the turned square
    /// is first resized to the crop's scale (so a large reduction still averages its pixels), then sampled
    /// bilinearly along the turned grid. Beyond the photo's edge the nearest edge pixel repeats.
    /// </summary>
    private static (byte[] Pixels, FaceLandmarks Face) CropTurned(
        Image<Rgb24> photo, FaceLandmarks face, Vector2 centre, float side, float angle, int size)
    {
        var scale = size / side;
        var reach = (side * (MathF.Abs(MathF.Cos(angle)) + MathF.Abs(MathF.Sin(angle))) / 2f) + 2f;
        var left = Math.Clamp((int)MathF.Floor(centre.X - reach), 0, photo.Width - 1);
        var top = Math.Clamp((int)MathF.Floor(centre.Y - reach), 0, photo.Height - 1);
        var right = Math.Clamp((int)MathF.Ceiling(centre.X + reach), left + 1, photo.Width);
        var bottom = Math.Clamp((int)MathF.Ceiling(centre.Y + reach), top + 1, photo.Height);
        var regionWidth = right - left;
        var regionHeight = bottom - top;
        var scaledWidth = Math.Max(1, (int)MathF.Round(regionWidth * scale));
        var scaledHeight = Math.Max(1, (int)MathF.Round(regionHeight * scale));
        using var region = photo.Clone(image => image
            .Crop(new Rectangle(left, top, regionWidth, regionHeight))
            .Resize(scaledWidth, scaledHeight, KnownResamplers.Triangle));
        var source = new byte[scaledWidth * scaledHeight * 3];
        region.CopyPixelDataTo(source);

        // Photo point -> crop point: about the centre, turned, scaled, then moved to the crop's middle.
        var toCrop = Matrix3x2.CreateTranslation(-centre)
            * Matrix3x2.CreateRotation(angle)
            * Matrix3x2.CreateScale(scale)
            * Matrix3x2.CreateTranslation(size / 2f, size / 2f);
        Matrix3x2.Invert(toCrop, out var toPhoto);
        var regionScale = new Vector2(scaledWidth / (float)regionWidth, scaledHeight / (float)regionHeight);

        var pixels = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var photoPoint = Vector2.Transform(new Vector2(x + 0.5f, y + 0.5f), toPhoto);
                var sourcePoint = ((photoPoint - new Vector2(left, top)) * regionScale) - new Vector2(0.5f);
                SampleBilinear(source, scaledWidth, scaledHeight, sourcePoint, pixels.AsSpan(((y * size) + x) * 3, 3));
            }
        }

        var points = face.Points
            .Select(p =>
            {
                var turned = Vector2.Transform(new Vector2(p.X, p.Y), toCrop);
                return new Vector3(turned.X, turned.Y, p.Z * scale);
            })
            .ToArray();
        return (pixels, face with { Points = points });
    }

    private static void SampleBilinear(byte[] source, int width, int height, Vector2 point, Span<byte> pixel)
    {
        var x = Math.Clamp(point.X, 0f, width - 1);
        var y = Math.Clamp(point.Y, 0f, height - 1);
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, width - 1);
        var y1 = Math.Min(y0 + 1, height - 1);
        var fx = x - x0;
        var fy = y - y0;
        for (var channel = 0; channel < 3; channel++)
        {
            var top = (source[(((y0 * width) + x0) * 3) + channel] * (1f - fx))
                + (source[(((y0 * width) + x1) * 3) + channel] * fx);
            var bottom = (source[(((y1 * width) + x0) * 3) + channel] * (1f - fx))
                + (source[(((y1 * width) + x1) * 3) + channel] * fx);
            pixel[channel] = (byte)Math.Clamp((int)MathF.Round((top * (1f - fy)) + (bottom * fy)), 0, 255);
        }
    }
}
