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
/// The face mesh runs on the whole photo once; each pair is an axis-aligned square crop around a face (pushed
/// inside the photo where it would cross an edge), resized to <see cref="RenderAmplifierOptions.Size"/>, with the
/// mesh carried over, so faces are not re-detected in the crop.
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
                        var jitter = variant == 0 ? 0f : options.CropJitter;
                        WritePair(photo, faces[face], pairStyle, options, jitter, random, outputFolder, name);
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
        float jitter,
        Random random,
        string outputFolder,
        string name)
    {
        var (left, top, side) = CropSquare(face, photo.Width, photo.Height, options.CropScale, jitter, random);
        using var before = photo.Clone(image => image
            .Crop(new Rectangle(left, top, side, side))
            .Resize(options.Size, options.Size, KnownResamplers.Triangle));

        var scale = options.Size / (float)side;
        var points = face.Points
            .Select(p => new Vector3((p.X - left) * scale, (p.Y - top) * scale, p.Z * scale))
            .ToArray();
        var cropFace = face with { Points = points };

        var size = options.Size;
        var beforePixels = new byte[size * size * 3];
        before.CopyPixelDataTo(beforePixels);
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

        MakeupImage.Save(before, Path.Combine(outputFolder, "before", name + ".png"));

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

    /// <summary>A square around the face's landmarks, jittered, kept inside the photo where it fits.</summary>
    private static (int Left, int Top, int Side) CropSquare(
        FaceLandmarks face, int width, int height, float cropScale, float jitter, Random random)
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

        var whole = Math.Clamp((int)MathF.Round(side), 8, Math.Min(width, height));
        var left = Math.Clamp((int)MathF.Round(centre.X - (whole / 2f)), 0, width - whole);
        var top = Math.Clamp((int)MathF.Round(centre.Y - (whole / 2f)), 0, height - whole);
        return (left, top, whole);
    }
}
