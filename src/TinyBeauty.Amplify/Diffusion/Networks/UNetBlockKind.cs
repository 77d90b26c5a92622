namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>The kind of a U-Net down or up block.</summary>
public enum UNetBlockKind
{
    /// <summary>Residual blocks only (diffusers <c>DownBlock2D</c> / <c>UpBlock2D</c>).</summary>
    Plain,

    /// <summary>
    /// Residual blocks, each followed by a spatial transformer with self- and cross-attention (diffusers
    /// <c>CrossAttnDownBlock2D</c> / <c>CrossAttnUpBlock2D</c>).
    /// </summary>
    CrossAttention,
}
