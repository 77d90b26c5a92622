using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Amplify.Diffusion.Conditioning;
using TinyBeauty.Amplify.Diffusion.Guidance;
using TinyBeauty.Amplify.Diffusion.Networks;
using TinyBeauty.Amplify.Diffusion.Sampling;
using TinyBeauty.Core;
using TinyBeauty.Onnx;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// Turns a folder of face photos into before/after makeup pairs with the fine-tuned diffusion model and TinyBeauty's
/// residual diffusion synthesis.
/// </summary>
/// <remarks>
/// <para>
/// For every face crop x (from the <see cref="DiffusionFaceCropper"/>, <see cref="DiffusionGenerateOptions.Size"/>
/// square) the changed mask M is the union (maximum) of its masks named in
/// <see cref="DiffusionGenerateOptions.MaskRegions"/>. x is VAE-encoded (the distribution's mean, times the scaling
/// factor) and two img2img runs start from it with the same seeded noise (Euler-Ancestral, the options' steps and
/// strength; with a ControlNet, the Canny edges of the crop are its condition in both runs):
/// </para>
/// <list type="bullet">
/// <item>With <see cref="DiffusionGenerateOptions.MaskGuidance"/> (the default), both runs keep the input's latents
/// outside the changed mask at every step (<see cref="DiffusionSampler"/>'s keep mask): the latent mask is the union
/// of the crop's <see cref="DiffusionGenerateOptions.MaskRegions"/> masks, averaged over blocks of the VAE's
/// downscale factor (8 x 8 for SD1.5), whatever regions the styles paint.</item>
/// <item>F(x): the unconditional context, the LoRA at the unconditional branch's scale, no guidance (a guidance
/// scale set on that branch is ignored: it has no condition to guide towards).</item>
/// <item>F(x, c): the conditional context, the LoRA at the conditional branch's scale, classifier-free guidance
/// against the unconditional context at the conditional branch's scale.</item>
/// </list>
/// <para>
/// The conditional context is projection(CLIP(style reference)) followed by projection(CLIP(x)); the unconditional
/// context replaces the style tokens by the projection of a zero embedding and keeps the identity tokens. Both runs
/// are decoded and combined in pixel space, as the paper does, by
/// <see cref="ResidualDiffusionSynthesis.Compose"/>(x, F(x), [(F(x, c), M)]). By construction the after image equals
/// the decoded F(x) where M is 0 (so it does not depend on the style there), and equals x where M is 1 with
/// lambda_d = 1 and lambda_m = 0. Outside the mask it is not the input photo: with mask guidance it is the VAE's
/// reconstruction of x (its latents are x's), without it whatever F(x) generated there.
/// </para>
/// <para>
/// With several <see cref="DiffusionStyleReference"/>s (say one lipstick reference on <c>lips</c> and one eye look
/// on <c>eye-region</c>), F(x) is sampled once and each style adds its own F(x, c_k) with its own region mask M_k, so
/// one pass paints several regions in different styles; the detail term uses the union of the regions.
/// </para>
/// <para>
/// Output: a pair folder with <c>before/&lt;photo&gt;-f&lt;i&gt;.png</c> (the crop), <c>after/...</c> and
/// <c>masks/&lt;photo&gt;-f&lt;i&gt;-&lt;region&gt;.png</c>, faces numbered in the cropper's order. Every file is
/// written to a temporary name and renamed, and a pair's after image goes last, so its presence marks the pair as
/// complete. A rerun resumes per pair: it crops every photo again (cheap next to sampling) and generates only the
/// pairs whose after image is missing, so a multi-face photo interrupted part-way keeps its finished faces. Each
/// pair's noise seed mixes the run's seed with the pair's name (not a generator shared across pairs), so a pair made
/// on a rerun has the same bytes as one made by an uninterrupted run, and the same inputs and options always give the
/// same bytes. Photos that cannot be read or show no face are skipped and reported.
/// </para>
/// </remarks>
public sealed class DiffusionPairGenerator
{
    private static readonly string[] s_photoExtensions = [".png", ".jpg", ".jpeg"];

    private readonly DiffusionModels _models;
    private readonly DiffusionFaceCropper _cropper;
    private readonly ILogger _logger;

    /// <summary>Creates a generator over networks the caller owns.</summary>
    /// <param name="models">The networks; load the fine-tuned weights first (see <see cref="DiffusionLoraFile"/>).
    /// Without LoRA layers the branch LoRA scales have no effect.</param>
    /// <param name="cropper">Finds and crops the faces, such as <see cref="DiffusionFaceCrops.FromFaceMesh"/>.</param>
    /// <param name="options">Settings; null means the defaults.</param>
    /// <param name="logger">Receives skipped photos (warning) and each photo's pairs (debug); null means none.
    /// </param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range, or the size is not a multiple of
    /// <see cref="DiffusionModelConfigs.SizeMultiple"/>.</exception>
    public DiffusionPairGenerator(
        DiffusionModels models,
        DiffusionFaceCropper cropper,
        DiffusionGenerateOptions? options = null,
        ILogger<DiffusionPairGenerator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(cropper);
        Options = options ?? new DiffusionGenerateOptions();
        Options.Validate();
        var multiple = models.Configs.SizeMultiple;
        if (Options.Size % multiple != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), Options.Size, $"The image size must be a multiple of {multiple} for these networks.");
        }

        _models = models;
        _cropper = cropper;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the settings.</summary>
    public DiffusionGenerateOptions Options { get; }

    /// <summary>Generates pairs from every photo (.png, .jpg, .jpeg) directly inside a folder, in one style over
    /// the options' mask regions.</summary>
    /// <param name="facesFolder">The folder of face photos.</param>
    /// <param name="styleReference">The makeup reference image (any size; it is resized for CLIP).</param>
    /// <param name="outputFolder">The pair folder to write; created if needed.</param>
    /// <param name="progress">Receives a report after every photo; may be null.</param>
    /// <param name="cancellationToken">Checked between photos and between sampling steps; finished pairs stay.
    /// </param>
    /// <returns>What was written and which photos were skipped.</returns>
    /// <exception cref="DirectoryNotFoundException">The faces folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no .png, .jpg or .jpeg photo.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The cropper returned a crop of another size, or a crop with none
    /// of the mask regions.</exception>
    /// <exception cref="InsufficientMemoryException">Sampling ran out of memory; the message names the pair.
    /// </exception>
    public DiffusionGenerateReport Run(
        string facesFolder,
        Image<Rgb24> styleReference,
        string outputFolder,
        IProgress<DiffusionGenerateProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(styleReference);
        DiffusionStyleReference[] styles = [new(styleReference)];
        return Run(facesFolder, styles, outputFolder, progress, cancellationToken);
    }

    /// <summary>Generates pairs from every photo (.png, .jpg, .jpeg) directly inside a folder, with one or more
    /// styles, each on its own regions, in one pass.</summary>
    /// <param name="facesFolder">The folder of face photos.</param>
    /// <param name="styles">The styles; each adds one conditional branch per face.</param>
    /// <param name="outputFolder">The pair folder to write; created if needed.</param>
    /// <param name="progress">Receives a report after every photo; may be null.</param>
    /// <param name="cancellationToken">Checked between photos and between sampling steps; finished pairs stay.
    /// </param>
    /// <returns>What was written and which photos were skipped.</returns>
    /// <exception cref="ArgumentException">The style list is empty or a style is invalid; the message names it.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The faces folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no .png, .jpg or .jpeg photo.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The cropper returned a crop of another size, or a crop with none
    /// of a style's mask regions (or, with mask guidance, none of the options' mask regions).</exception>
    /// <exception cref="InsufficientMemoryException">Sampling ran out of memory; the message names the pair.
    /// </exception>
    public DiffusionGenerateReport Run(
        string facesFolder,
        IReadOnlyList<DiffusionStyleReference> styles,
        string outputFolder,
        IProgress<DiffusionGenerateProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(facesFolder);
        ArgumentNullException.ThrowIfNull(styles);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        if (styles.Count == 0)
        {
            throw new ArgumentException("At least one style is needed.", nameof(styles));
        }

        for (var index = 0; index < styles.Count; index++)
        {
            if (styles[index] is null)
            {
                throw new ArgumentException($"Style {index} is null.", nameof(styles));
            }

            styles[index].Validate(index);
        }
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

        foreach (var folder in new[] { "before", "after", "masks" })
        {
            Directory.CreateDirectory(Path.Combine(outputFolder, folder));
        }

        var problems = new List<DiffusionProblem>();
        var (written, pairsPresent, photosPresent) = (0, 0, 0);
        var clock = Stopwatch.StartNew();
        using var contexts = CreateContexts(styles);
        try
        {
            for (var index = 0; index < photos.Length; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var photoPath = photos[index];
                var stem = Path.GetFileNameWithoutExtension(photoPath);
                var outcome = GeneratePhoto(photoPath, stem, contexts, outputFolder, problems, cancellationToken);
                written += outcome.Written;
                pairsPresent += outcome.AlreadyDone;
                if (outcome.Written == 0 && outcome.AlreadyDone > 0)
                {
                    photosPresent++;
                    AmplifyLog.PhotoAlreadyDone(_logger, photoPath);
                }

                progress?.Report(new DiffusionGenerateProgress(
                    index + 1, photos.Length, Path.GetFileName(photoPath), clock.Elapsed)
                {
                    PairsWritten = written,
                    PairsAlreadyDone = pairsPresent,
                });
            }
        }
        finally
        {
            _models.Lora?.SetScale(1.0);
        }

        return new DiffusionGenerateReport(written, photosPresent, problems) { PairsAlreadyDone = pairsPresent };
    }

    /// <summary>Crops a photo's faces and writes the pairs whose after image is missing.</summary>
    /// <returns>The pairs written now and the pairs found complete from an earlier run.</returns>
    private (int Written, int AlreadyDone) GeneratePhoto(
        string photoPath,
        string stem,
        StyleContexts contexts,
        string outputFolder,
        List<DiffusionProblem> problems,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<DiffusionFaceCrop> crops;
        try
        {
            using var photo = MakeupImage.Load(photoPath, Options.MaxPixels);
            crops = _cropper(photo, Options.Size);
        }
        catch (Exception exception) when (exception is InvalidDataException or UnknownImageFormatException
            or ImageFormatException or IOException or NotSupportedException)
        {
            Report(problems, new DiffusionProblem(photoPath, exception.Message));
            return (0, 0);
        }

        try
        {
            if (crops.Count == 0)
            {
                Report(problems, new DiffusionProblem(photoPath, "No face was found."));
                return (0, 0);
            }

            var (written, alreadyDone) = (0, 0);
            for (var face = crops.Count - 1; face >= 0; face--)
            {
                var name = PairName(stem, face);
                if (File.Exists(Path.Combine(outputFolder, "after", name + ".png")))
                {
                    alreadyDone++;
                    continue;
                }

                try
                {
                    WritePair(crops[face], name, contexts, outputFolder, cancellationToken);
                    written++;
                }
                catch (Exception exception) when (DiffusionMemory.IsOutOfMemory(exception))
                {
                    throw DiffusionMemory.Exhausted(
                        $"generating pair '{name}' at {Options.Size} x {Options.Size} on {_models.Device}",
                        "The pairs written before it are complete and a rerun generates only the missing ones.",
                        exception);
                }
            }

            if (written > 0)
            {
                AmplifyLog.PairsWritten(_logger, photoPath, written);
            }

            return (written, alreadyDone);
        }
        finally
        {
            foreach (var crop in crops)
            {
                crop.Dispose();
            }
        }
    }

    private void WritePair(
        DiffusionFaceCrop crop,
        string name,
        StyleContexts contexts,
        string outputFolder,
        CancellationToken cancellationToken)
    {
        var size = Options.Size;
        if (crop.Image.Width != size)
        {
            throw new InvalidOperationException(
                $"The face cropper returned a {crop.Image.Width}-pixel crop; {size} pixels were asked for.");
        }

        var before = crop.Image;
        Image<Rgb24> after;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var device = _models.Device;
            var input = DiffusionImages.ToTensor(before, size, device);
            var identity = _models.Projection.Forward(DiffusionImages.Embed(_models, input));
            var unconditional = ImageTokenProjection.ConcatenateContext(contexts.Unconditional, identity);
            var condition = _models.ControlNet is null ? null : EdgeCondition(before, device);

            Tensor start;
            using (var distribution = _models.Vae.Encode(input))
            {
                start = distribution.Mean * _models.Configs.Vae.ScalingFactor;
            }

            var keep = Options.MaskGuidance
                ? DiffusionImages.ToLatentMask(
                    RegionMask(crop, Options.MaskRegions, device), _models.Configs.Vae.DownscaleFactor)
                : null;
            var seed = StableSeed(Options.Seed, name);
            var synthesis = Options.Synthesis;
            var plain = Branch(start, keep, seed, synthesis.UnconditionalBranch.LoraScale, null,
                Predictor(unconditional, condition), null, cancellationToken);
            var regions = new List<StyleRegion>(contexts.Styles.Count);
            foreach (var (style, tokens) in contexts.Styles)
            {
                var conditional = ImageTokenProjection.ConcatenateContext(tokens, identity);
                var styled = Branch(start, keep, seed, synthesis.ConditionalBranch.LoraScale,
                    synthesis.ConditionalBranch.GuidanceScale, Predictor(conditional, condition),
                    Predictor(unconditional, condition), cancellationToken);
                var mask = RegionMask(crop, style.Regions ?? Options.MaskRegions, device);
                regions.Add(new StyleRegion(styled, mask, style.StyleWeight));
            }

            var output = ResidualDiffusionSynthesis.Compose(input, plain, regions, synthesis);
            after = DiffusionImages.ToImage(output);
        }

        using (after)
        {
            foreach (var (region, weights) in crop.Masks)
            {
                WriteMask(crop, weights, Path.Combine(outputFolder, "masks", $"{name}-{region}.png"));
            }

            MakeupImage.Save(before, Path.Combine(outputFolder, "before", name + ".png"));

            // The after image goes last: its presence marks the pair as complete for a rerun.
            MakeupImage.Save(after, Path.Combine(outputFolder, "after", name + ".png"));
        }
    }

    /// <summary>Runs one img2img branch, mask-guided when <paramref name="keep"/> is given, and decodes it to pixels
    /// in [-1, 1] (not clamped).</summary>
    private Tensor Branch(
        Tensor start,
        Tensor? keep,
        long seed,
        double loraScale,
        double? guidance,
        NoisePredictor conditional,
        NoisePredictor? unconditional,
        CancellationToken cancellationToken)
    {
        _models.Lora?.SetScale(loraScale);
        var sampler = new DiffusionSampler(new DiffusionSamplerOptions
        {
            Scheduler = SchedulerKind.EulerAncestral,
            Steps = Options.Steps,
            Strength = Options.Strength,
            GuidanceScale = guidance ?? 1.0,
            Seed = seed,
        });
        var latents = sampler.Sample(
            start,
            conditional,
            guidance is null ? null : unconditional,
            keep,
            cancellationToken: cancellationToken);
        return _models.Vae.Decode(latents / _models.Configs.Vae.ScalingFactor);
    }

    private NoisePredictor Predictor(Tensor context, Tensor? condition) => (latents, timestep) =>
    {
        if (_models.ControlNet is null || condition is null)
        {
            return _models.UNet.Forward(latents, timestep, context);
        }

        using var residuals = _models.ControlNet.Forward(
            latents, timestep, context, condition, Options.ControlNetScale);
        return _models.UNet.Forward(latents, timestep, context, residuals);
    };

    /// <summary>The union (maximum) of the crop's masks named in <paramref name="regions"/>.</summary>
    private Tensor RegionMask(DiffusionFaceCrop crop, IReadOnlyList<string> regions, Device device)
    {
        if (!regions.Any(crop.Masks.ContainsKey))
        {
            throw new InvalidOperationException(
                $"The face crop has none of the mask regions {string.Join(", ", regions)}; it has "
                + $"{string.Join(", ", crop.Masks.Keys)}.");
        }

        var side = crop.Image.Width;
        var union = new byte[side * side];
        foreach (var (region, mask) in crop.Masks)
        {
            if (!regions.Contains(region))
            {
                continue;
            }

            for (var index = 0; index < union.Length; index++)
            {
                union[index] = Math.Max(union[index], mask[index]);
            }
        }

        return DiffusionImages.MaskToTensor(union, side, side, Options.Size, device);
    }

    private Tensor EdgeCondition(Image<Rgb24> image, Device device)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        var edges = CannyEdgeDetector.Detect(
            new ReadOnlyImageView(pixels, image.Width, image.Height, PixelLayout.Rgb24),
            Options.Canny);
        using var condition = CannyEdgeDetector.ToConditionTensor(edges, image.Width, image.Height);
        return condition.to(device);
    }

    private StyleContexts CreateContexts(IReadOnlyList<DiffusionStyleReference> styles)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = _models.Device;
        var tokens = new List<(DiffusionStyleReference, Tensor)>(styles.Count);
        foreach (var style in styles)
        {
            var reference = DiffusionImages.ToTensor(style.Image, Options.Size, device);
            var projected = _models.Projection.Forward(DiffusionImages.Embed(_models, reference));
            tokens.Add((style, projected.MoveToOuterDisposeScope()));
        }

        var zero = zeros([1, _models.Configs.Projection.EmbeddingDim], device: device);
        var unconditional = _models.Projection.Forward(zero);
        return new StyleContexts(tokens, unconditional.MoveToOuterDisposeScope());
    }

    private static void WriteMask(DiffusionFaceCrop crop, byte[] weights, string path)
    {
        using var mask = Image.LoadPixelData<L8>(weights, crop.Image.Width, crop.Image.Height);
        MakeupImage.Save(mask, path);
    }

    private void Report(List<DiffusionProblem> problems, DiffusionProblem problem)
    {
        problems.Add(problem);
        AmplifyLog.PhotoSkipped(_logger, problem);
    }

    private static string PairName(string stem, int face) => $"{stem}-f{face}";

    /// <summary>Mixes the run's seed with the pair's name (FNV-1a), the same in every process.</summary>
    private static long StableSeed(int seed, string name)
    {
        var hash = 14695981039346656037UL ^ unchecked((ulong)seed);
        foreach (var character in name)
        {
            hash = unchecked((hash ^ character) * 1099511628211UL);
        }

        return unchecked((long)(hash & long.MaxValue));
    }

    /// <summary>The style tokens of every reference and the unconditional style tokens.</summary>
    private sealed record StyleContexts(
        IReadOnlyList<(DiffusionStyleReference Style, Tensor Tokens)> Styles,
        Tensor Unconditional) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (_, tokens) in Styles)
            {
                tokens.Dispose();
            }

            Unconditional.Dispose();
        }
    }
}
