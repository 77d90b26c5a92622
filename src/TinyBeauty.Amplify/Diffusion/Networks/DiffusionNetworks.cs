using TinyBeauty.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Networks;

/// <summary>Helpers shared by the network constructors.</summary>
internal static class DiffusionNetworks
{
    /// <summary>Gets the device whose tensors have shapes but no storage.</summary>
    public static Device Meta { get; } = new(DeviceType.META);

    /// <summary>
    /// Loads the native libraries before TorchSharp's base constructor runs, so that a broken setup fails with a
    /// diagnosis; returns the module name.
    /// </summary>
    public static string Prepare(string name)
    {
        TorchNative.EnsureAvailable();
        return name;
    }
}
