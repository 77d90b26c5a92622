namespace TinyBeauty.Amplify.Rendering;

/// <summary>Lipstick over the lips, without the mouth opening.</summary>
public sealed record LipstickLayer
{
    /// <summary>Gets the lipstick's colour.</summary>
    public MakeupColor Color { get; init; } = new(0xB0, 0x18, 0x2A);

    /// <summary>Gets how strongly the colour replaces the lips' own, from 0 (none) to 1 (all). Default 0.8.</summary>
    public float Opacity { get; init; } = 0.8f;

    /// <summary>
    /// Gets the gloss, from 0 (matte) to 1: it lifts the lips' existing highlights, so the shine follows the
    /// photo's light. Default 0.2.
    /// </summary>
    public float Gloss { get; init; } = 0.2f;
}

/// <summary>A line along each upper lash line, with an optional wing past the outer corner.</summary>
public sealed record EyelinerLayer
{
    /// <summary>Gets the liner's colour.</summary>
    public MakeupColor Color { get; init; } = new(0x1C, 0x16, 0x16);

    /// <summary>Gets the liner's opacity, from 0 to 1. Default 0.85.</summary>
    public float Opacity { get; init; } = 0.85f;

    /// <summary>Gets the line's thickness as a fraction of the eye's width, from 0.01 to 0.3. Default 0.07.</summary>
    public float Thickness { get; init; } = 0.07f;

    /// <summary>
    /// Gets the wing's length past the outer eye corner as a fraction of the eye's width, from 0 (no wing) to 1.
    /// Default 0.25.
    /// </summary>
    public float Wing { get; init; } = 0.25f;
}

/// <summary>Colour on the lids, fading from the lash line towards the brow.</summary>
public sealed record EyeshadowLayer
{
    /// <summary>Gets the shadow's colour.</summary>
    public MakeupColor Color { get; init; } = new(0x7A, 0x52, 0x60);

    /// <summary>Gets the shadow's opacity at the lash line, from 0 to 1. Default 0.5.</summary>
    public float Opacity { get; init; } = 0.5f;

    /// <summary>
    /// Gets how far the shadow reaches towards the brow, from 0.1 (a narrow band on the lid) to 1 (up to the
    /// brow). Default 0.6.
    /// </summary>
    public float Spread { get; init; } = 0.6f;
}

/// <summary>Soft colour on the apples of the cheeks.</summary>
public sealed record BlushLayer
{
    /// <summary>Gets the blush's colour.</summary>
    public MakeupColor Color { get; init; } = new(0xE0, 0x6F, 0x7A);

    /// <summary>Gets the blush's opacity at its centre, from 0 to 1. Default 0.35.</summary>
    public float Opacity { get; init; } = 0.35f;

    /// <summary>Gets the blush's size relative to the default patch, from 0.5 to 2. Default 1.</summary>
    public float Size { get; init; } = 1f;
}

/// <summary>A tint over the eyebrows.</summary>
public sealed record BrowLayer
{
    /// <summary>Gets the tint's colour.</summary>
    public MakeupColor Color { get; init; } = new(0x3B, 0x2A, 0x22);

    /// <summary>Gets the tint's opacity, from 0 to 1. Default 0.35.</summary>
    public float Opacity { get; init; } = 0.35f;
}
