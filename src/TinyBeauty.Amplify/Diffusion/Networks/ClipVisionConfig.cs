namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// The shape of a <see cref="ClipVisionModelWithProjection"/>, with the fields of a transformers
/// <c>CLIPVisionConfig</c>. The defaults are the OpenCLIP ViT-H/14 image encoder that IP-Adapter and TinyBeauty use.
/// </summary>
/// <remarks>The activation is the exact (erf) GELU; attention and dropout rates are 0.</remarks>
public sealed record ClipVisionConfig
{
    /// <summary>Gets the token width: 1280.</summary>
    public int HiddenSize { get; init; } = 1280;

    /// <summary>Gets the hidden width of each MLP: 5120.</summary>
    public int IntermediateSize { get; init; } = 5120;

    /// <summary>Gets the attention heads per layer: 16.</summary>
    public int AttentionHeads { get; init; } = 16;

    /// <summary>Gets the encoder layers: 32.</summary>
    public int Layers { get; init; } = 32;

    /// <summary>Gets the side of a square patch in pixels: 14.</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Gets the side of the square input image in pixels: 224.</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Gets the image channels: 3.</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Gets the width of <c>image_embeds</c>: 1024.</summary>
    public int ProjectionDim { get; init; } = 1024;

    /// <summary>Gets the epsilon of every layer norm: 1e-5.</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;

    /// <summary>Gets h94/IP-Adapter's <c>models/image_encoder</c>: 632,076,800 parameters in 520 tensors.</summary>
    public static ClipVisionConfig VitHuge14 { get; } = new();

    /// <summary>
    /// Gets the tiny image encoder of diffusers' IP-Adapter-capable pipeline tests (width 32, MLP 37, 4 heads,
    /// 5 layers): 62,169 parameters in 88 tensors.
    /// </summary>
    public static ClipVisionConfig TinyTest { get; } = new()
    {
        HiddenSize = 32,
        IntermediateSize = 37,
        AttentionHeads = 4,
        Layers = 5,
        ProjectionDim = 32,
    };

    /// <summary>Gets the number of positions: one per patch plus the class token (257 for 224 / 14).</summary>
    public int Positions => ((ImageSize / PatchSize) * (ImageSize / PatchSize)) + 1;

    /// <summary>Checks that the fields describe a buildable network.</summary>
    /// <exception cref="ArgumentException">A count is not positive, the width is not divisible by the heads, or the
    /// image side is not a multiple of the patch side.</exception>
    public void Validate()
    {
        var valid = HiddenSize > 0 && IntermediateSize > 0 && AttentionHeads > 0 && Layers > 0 && PatchSize > 0
            && ImageSize > 0 && Channels > 0 && ProjectionDim > 0 && LayerNormEpsilon > 0
            && HiddenSize % AttentionHeads == 0 && ImageSize % PatchSize == 0;
        if (!valid)
        {
            throw new ArgumentException($"Invalid CLIP vision config ({this}).");
        }
    }
}
