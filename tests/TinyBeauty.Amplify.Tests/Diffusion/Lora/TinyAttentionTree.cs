using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Lora;

// A hand-built module tree whose paths follow diffusers' UNet naming, small enough for fast tests:
// down_blocks.0.attentions.0.transformer_blocks.0.attn{1,2}.{to_q,to_k,to_v,to_out.0} and the same under mid_block.
// Field names are the module paths, so they break the _camelCase rule on purpose.
#pragma warning disable IDE1006

internal sealed class TinyAttentionTree : nn.Module<Tensor, Tensor>
{
    public const int Width = 8;

    private readonly ModuleList<TinyBlock> down_blocks;
    private readonly TinyBlock mid_block;

    public TinyAttentionTree(long seed)
        : base(nameof(TinyAttentionTree))
    {
        random.manual_seed(seed);
        down_blocks = new ModuleList<TinyBlock>(new TinyBlock());
        mid_block = new TinyBlock();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var down = down_blocks[0].forward(input);
        return mid_block.forward(down);
    }
}

internal sealed class TinyBlock : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<TinyTransformer> attentions;

    public TinyBlock()
        : base(nameof(TinyBlock))
    {
        attentions = new ModuleList<TinyTransformer>(new TinyTransformer());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => attentions[0].forward(input);
}

internal sealed class TinyTransformer : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<TinyTransformerBlock> transformer_blocks;
    private readonly Linear proj_in;

    public TinyTransformer()
        : base(nameof(TinyTransformer))
    {
        proj_in = nn.Linear(TinyAttentionTree.Width, TinyAttentionTree.Width);
        transformer_blocks = new ModuleList<TinyTransformerBlock>(new TinyTransformerBlock());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var projected = proj_in.forward(input);
        return transformer_blocks[0].forward(projected);
    }
}

internal sealed class TinyTransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly TinyAttention attn1;
    private readonly TinyAttention attn2;

    public TinyTransformerBlock()
        : base(nameof(TinyTransformerBlock))
    {
        attn1 = new TinyAttention(bias: false);
        attn2 = new TinyAttention(bias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var first = attn1.forward(input);
        return attn2.forward(first);
    }
}

internal sealed class TinyAttention : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> to_q;
    private readonly nn.Module<Tensor, Tensor> to_k;
    private readonly nn.Module<Tensor, Tensor> to_v;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;

    public TinyAttention(bool bias)
        : base(nameof(TinyAttention))
    {
        const int width = TinyAttentionTree.Width;
        to_q = nn.Linear(width, width, hasBias: bias);
        to_k = nn.Linear(width, width, hasBias: bias);
        to_v = nn.Linear(width, width, hasBias: bias);
        to_out = new ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(width, width), nn.Dropout(0.0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var mixed = to_q.forward(input) * to_k.forward(input).sigmoid() + to_v.forward(input);
        var result = to_out[1].forward(to_out[0].forward(mixed));
        return result.MoveToOuterDisposeScope();
    }
}

// A parent that declares one projection as Linear, which cannot hold a LoRA layer, and another one that can.
internal sealed class LinearFieldAttention : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> to_k;
    private readonly Linear to_q;

    public LinearFieldAttention()
        : base(nameof(LinearFieldAttention))
    {
        to_k = nn.Linear(4, 4);
        to_q = nn.Linear(4, 4);
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> Keys => to_k;

    public override Tensor forward(Tensor input)
    {
        using var keys = to_k.forward(input);
        return to_q.forward(keys);
    }
}
#pragma warning restore IDE1006
