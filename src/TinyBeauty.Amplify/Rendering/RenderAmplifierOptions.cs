namespace TinyBeauty.Amplify.Rendering;

/// <summary>Settings of <see cref="RenderAmplifier"/>.</summary>
public sealed record RenderAmplifierOptions
{
    /// <summary>
    /// Gets the number of pairs to write, taken in turn from each face found; 0 (the default) writes one pair per
    /// face. Pairs beyond the face count vary the crop (and the style, see <see cref="StyleJitter"/>).
    /// </summary>
    public int Count { get; init; }

    /// <summary>Gets the side of the square before/after images, in pixels (32 to 2048). Default 256.</summary>
    public int Size { get; init; } = 256;

    /// <summary>
    /// Gets the crop's side as a multiple of the face's landmark extent (1.2 to 4). Default 1.6, which keeps the
    /// whole head with some hair and background.
    /// </summary>
    public float CropScale { get; init; } = 1.6f;

    /// <summary>
    /// Gets the random variation of the crop for pairs beyond the first of each face: the side varies by up to
    /// this fraction and the centre moves by up to this fraction of the side (0 to 0.3). Default 0.1.
    /// </summary>
    public float CropJitter { get; init; } = 0.1f;

    /// <summary>
    /// Gets the random variation of the style for pairs beyond the first of each face, from 0 (every pair gets the
    /// exact style, the default, right for training one fixed look) to 1 (colours and opacities vary widely).
    /// </summary>
    public float StyleJitter { get; init; }

    /// <summary>
    /// Gets the largest rotation of the crop, in degrees, for pairs beyond the first of each face (0 to 45). Each
    /// such pair turns its crop by a random angle up to this about the crop's centre, so that the network sees
    /// heads tilted both ways; the landmarks turn with it. Default 0: axis-aligned crops.
    /// </summary>
    public float RotationJitter { get; init; }

    /// <summary>
    /// Gets the random variation of the face's appearance for pairs beyond the first of each face, from 0 (the
    /// photo as it is, the default) to 1 (brightness and contrast up to 25% either way, saturation up to 40%, and a
    /// warmer or cooler cast). The variation is applied to the before crop and the style is then painted on the
    /// varied face, so the after image is what the renderer makes of that face, not a recoloured target.
    /// </summary>
    public float ToneJitter { get; init; }

    /// <summary>Gets the seed of the crop and style variations; equal seeds give equal pairs.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Gets whether to write the region masks (<c>eyes</c>, <c>eye-region</c>, <c>lips</c>, <c>cheeks</c>,
    /// <c>face</c>) beside each pair, under masks/. Default true.
    /// </summary>
    public bool WriteMasks { get; init; } = true;

    /// <summary>
    /// Gets whether a photo that cannot be used (unreadable, too large, no face) stops the run with an exception;
    /// by default it is skipped and listed in <see cref="RenderReport.Problems"/>.
    /// </summary>
    public bool StopOnProblem { get; init; }

    /// <summary>Gets the largest photo, in pixels, that is decoded; larger ones are skipped. Default 40 million.
    /// </summary>
    public long MaxPixels { get; init; } = 40_000_000;

    /// <summary>Checks every setting's range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(Size, 32);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Size, 2048);
        ArgumentOutOfRangeException.ThrowIfLessThan(CropScale, 1.2f);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CropScale, 4f);
        ArgumentOutOfRangeException.ThrowIfNegative(CropJitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CropJitter, 0.3f);
        ArgumentOutOfRangeException.ThrowIfNegative(StyleJitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StyleJitter, 1f);
        ArgumentOutOfRangeException.ThrowIfNegative(RotationJitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RotationJitter, 45f);
        ArgumentOutOfRangeException.ThrowIfNegative(ToneJitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ToneJitter, 1f);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1);
    }
}

/// <summary>Progress of a <see cref="RenderAmplifier"/> run.</summary>
/// <param name="Done">Pairs finished (written or found already written).</param>
/// <param name="Total">Pairs planned.</param>
/// <param name="Current">The name of the pair just finished.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record RenderProgress(int Done, int Total, string Current, TimeSpan Elapsed)
{
    /// <summary>Gets the estimated time left, from the mean time per pair so far.</summary>
    public TimeSpan Remaining => Done == 0 ? TimeSpan.Zero : Elapsed / Done * (Total - Done);
}

/// <summary>A photo that a <see cref="RenderAmplifier"/> run skipped.</summary>
/// <param name="Path">The photo's path.</param>
/// <param name="Reason">Why it was skipped.</param>
public sealed record RenderProblem(string Path, string Reason);

/// <summary>What a <see cref="RenderAmplifier"/> run did.</summary>
/// <param name="Written">Pairs written by this run.</param>
/// <param name="AlreadyPresent">Pairs skipped because an earlier run had written them.</param>
/// <param name="FacesFound">Faces found over all usable photos.</param>
/// <param name="Problems">Photos skipped, with the reason; empty when every photo was used.</param>
public sealed record RenderReport(
    int Written, int AlreadyPresent, int FacesFound, IReadOnlyList<RenderProblem> Problems);
