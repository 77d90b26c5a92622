namespace TinyBeauty.Amplify.Diffusion.Lora;

/// <summary>
/// The three ways diffusers names UNet attention LoRA tensors. Examples are for the module
/// <c>down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0</c>; any of them may carry the prefix
/// <c>unet.</c>.
/// </summary>
public enum LoraKeyForm
{
    /// <summary>
    /// Attention-processor names, as diffusers up to 0.25 writes with <c>save_attn_procs</c> (TinyBeauty's training):
    /// <c>...attn1.processor.to_out_lora.down.weight</c> and <c>...up.weight</c>; <c>to_out_lora</c> means
    /// <c>to_out.0</c>.
    /// </summary>
    Processor,

    /// <summary>PEFT names: <c>...attn1.to_out.0.lora_A.weight</c> (down) and <c>lora_B.weight</c> (up).</summary>
    Peft,

    /// <summary>
    /// LoRA-layer names (diffusers 0.21 to 0.25 <c>unet_lora_state_dict</c>):
    /// <c>...attn1.to_out.0.lora.down.weight</c> and <c>lora.up.weight</c>.
    /// </summary>
    LoraLayer,
}
