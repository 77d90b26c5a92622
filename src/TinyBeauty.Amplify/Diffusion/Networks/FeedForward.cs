using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// diffusers' GEGLU <c>FeedForward</c>: <c>net.0.proj</c> maps C to 8C, split into a value and a gate half, the value
/// is multiplied by the exact GELU of the gate, and <c>net.2</c> maps 4C back to C (<c>net.1</c> is a dropout).
/// </summary>
internal sealed class FeedForward : nn.Module
{
    private readonly GatedGelu _gatedGelu;
    private readonly Linear _output;

    public FeedForward(long width, Device device)
        : base(nameof(FeedForward))
    {
        var inner = width * 4;
        _gatedGelu = new GatedGelu(width, inner, device);
        _output = Layers.Linear(inner, width, device);
        register_module("net", new ModuleList<nn.Module>(_gatedGelu, nn.Dropout(0.0), _output));
    }

    /// <summary>Runs the feed-forward on [B, N, C].</summary>
    public Tensor Forward(Tensor input) => _output.forward(_gatedGelu.Forward(input));

    /// <summary>The GEGLU projection, whose only parameter is <c>proj</c>.</summary>
    private sealed class GatedGelu : nn.Module
    {
        private readonly Linear _projection;

        public GatedGelu(long width, long inner, Device device)
            : base(nameof(GatedGelu))
        {
            _projection = Layers.Linear(width, inner * 2, device);
            register_module("proj", _projection);
        }

        public Tensor Forward(Tensor input)
        {
            var halves = _projection.forward(input).chunk(2, -1);
            return halves[0] * nn.functional.gelu(halves[1]);
        }
    }
}
