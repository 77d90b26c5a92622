namespace TinyBeauty.Amplify.Diffusion.Lora;

/// <summary>The two matrices of a LoRA update.</summary>
public enum LoraPart
{
    /// <summary>The down-projection [rank, in] (PEFT's <c>lora_A</c>).</summary>
    Down,

    /// <summary>The up-projection [out, rank] (PEFT's <c>lora_B</c>).</summary>
    Up,
}
