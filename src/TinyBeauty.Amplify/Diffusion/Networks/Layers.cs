using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>
/// Builds the standard layers on a given device. On the <c>meta</c> device no memory is allocated, which is how
/// real-size networks are described without their weights.
/// </summary>
internal static class Layers
{
    /// <summary>A square convolution with bias.</summary>
    public static Conv2d Conv(long input, long output, long kernel, Device device, long stride = 1, long padding = 0) =>
        nn.Conv2d(input, output, kernel, stride: stride, padding: padding, device: device);

    /// <summary>A fully connected layer.</summary>
    public static Linear Linear(long input, long output, Device device, bool bias = true) =>
        nn.Linear(input, output, hasBias: bias, device: device);

    /// <summary>A group norm with affine weight one and bias zero.</summary>
    public static GroupNorm GroupNorm(long groups, long channels, double epsilon, Device device) =>
        Affine(nn.GroupNorm(groups, channels, eps: epsilon, device: device));

    /// <summary>A layer norm over the last dimension with affine weight one and bias zero.</summary>
    public static LayerNorm LayerNorm(long width, double epsilon, Device device) =>
        Affine(nn.LayerNorm(width, eps: epsilon, device: device));

    /// <summary>Sets a module's parameters to zero, as diffusers does for ControlNet's output convolutions.</summary>
    public static T Zeroed<T>(T module)
        where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var parameter in module.parameters())
        {
            parameter.zero_();
        }

        return module;
    }

    /// <summary>
    /// Sets a norm's weight to one and bias to zero, PyTorch's initialization. TorchSharp 0.107 leaves the affine
    /// parameters of a group norm built with an explicit device uninitialized (arbitrary memory, sometimes huge or
    /// NaN), so every norm is initialized here.
    /// </summary>
    private static T Affine<T>(T norm)
        where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in norm.named_parameters())
        {
            if (name == "weight")
            {
                parameter.fill_(1.0);
            }
            else
            {
                parameter.zero_();
            }
        }

        return norm;
    }

    /// <summary>Multi-head attention over [B, N, heads x width] projections, returning the same layout.</summary>
    public static Tensor Attend(Tensor query, Tensor key, Tensor value, long heads)
    {
        var batch = query.shape[0];
        var width = query.shape[2] / heads;
        Tensor Split(Tensor projection) =>
            projection.view(batch, -1, heads, width).transpose(1, 2);

        var attended = nn.functional.scaled_dot_product_attention(Split(query), Split(key), Split(value));
        return attended.transpose(1, 2).reshape(batch, -1, heads * width);
    }
}
