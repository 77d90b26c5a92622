namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The shape of an <see cref="ImageTokenProjection"/>. The defaults are TinyBeauty's: a 1024-wide CLIP image
/// embedding becomes 32 tokens of width 768.
/// </summary>
public sealed record ImageTokenProjectionConfig
{
    /// <summary>Gets the width of the image embedding read: 1024.</summary>
    public int EmbeddingDim { get; init; } = 1024;

    /// <summary>Gets the number of tokens produced: 32.</summary>
    public int Tokens { get; init; } = 32;

    /// <summary>Gets the width of each token, the UNet's cross-attention width: 768.</summary>
    public int CrossAttentionDim { get; init; } = 768;

    /// <summary>Gets TinyBeauty's projection (<c>proj.pth</c>): 25,191,936 parameters in 4 tensors.</summary>
    public static ImageTokenProjectionConfig TinyBeauty { get; } = new();

    /// <summary>
    /// Gets a tiny projection that joins <see cref="ClipVisionConfig.TinyTest"/> (32-wide embeddings) to the tiny
    /// UNets (32-wide cross-attention), with 4 tokens.
    /// </summary>
    public static ImageTokenProjectionConfig TinyTest { get; } = new()
    {
        EmbeddingDim = 32,
        Tokens = 4,
        CrossAttentionDim = 32,
    };

    /// <summary>Checks that every width and count is positive.</summary>
    /// <exception cref="ArgumentException">A width or count is not positive.</exception>
    public void Validate()
    {
        if (EmbeddingDim <= 0 || Tokens <= 0 || CrossAttentionDim <= 0)
        {
            throw new ArgumentException($"Invalid projection config ({this}).");
        }
    }
}
