using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TinyBeauty.Model.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyBeauty.Model;

/// <summary>
/// Checks that TorchSharp's native libraries load, and explains in plain words what is wrong when they do not.
/// </summary>
/// <remarks>
/// TorchSharp reports most native load failures as "doesn't contain a reference to libtorch", whatever the cause.
/// <see cref="EnsureAvailable"/> replaces that with a diagnosis: a missing <c>libLibTorchSharp.so</c>, a missing
/// libtorch runtime package, or the dynamic loader's own error (for example a libstdc++ that is too old).
/// </remarks>
public static class TorchNative
{
    private const string BridgeLibrary = "libLibTorchSharp.so";

    private const string TorchLibrary = "libtorch_cpu.so";

    private const int LoadLazily = 1;

    private static volatile bool s_available;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr DlopenFunction([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr DlerrorFunction();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int DlcloseFunction(IntPtr handle);

    /// <summary>
    /// Loads TorchSharp's native libraries for the CPU, once per process. Later calls return at once.
    /// </summary>
    /// <exception cref="TorchNativeLoadException">
    /// The native libraries cannot be loaded; the message names the cause and the fix.
    /// </exception>
    public static void EnsureAvailable()
    {
        if (s_available)
        {
            return;
        }

        try
        {
            InitializeDeviceType(DeviceType.CPU);
            using var probe = zeros(1);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new TorchNativeLoadException(Diagnose(null, exception), exception);
        }

        s_available = true;
    }

    /// <summary>
    /// Probes why TorchSharp's native library does not load and returns a message for people. With
    /// <paramref name="nativeDirectory"/> null it looks where a .NET application looks: beside the application and
    /// in its <c>runtimes/&lt;rid&gt;/native</c> folders.
    /// </summary>
    internal static string Diagnose(string? nativeDirectory, Exception? failure)
    {
        var reported = failure is null ? string.Empty : $" TorchSharp reported: {failure.Message}";
        if (!OperatingSystem.IsLinux())
        {
            return "TorchSharp's native libraries could not be loaded. Check that the application references a "
                + "libtorch runtime package for this platform (for example libtorch-cpu-win-x64) whose version "
                + "matches TorchSharp's." + reported;
        }

        var directories = nativeDirectory is null ? CandidateDirectories() : [Path.GetFullPath(nativeDirectory)];
        var bridge = directories.Select(folder => Path.Combine(folder, BridgeLibrary)).FirstOrDefault(File.Exists);
        if (bridge is null)
        {
            return $"TorchSharp's native library {BridgeLibrary} is missing: it is in none of "
                + $"{string.Join(", ", directories)}. It comes with the TorchSharp package; build or publish for a "
                + "Linux runtime identifier (for example -r linux-x64), or keep the runtimes/ folder of the output."
                + reported;
        }

        var folderOfBridge = Path.GetDirectoryName(bridge)!;
        var torchPresent = File.Exists(Path.Combine(folderOfBridge, TorchLibrary))
            || directories.Any(folder => File.Exists(Path.Combine(folder, TorchLibrary)));
        var loadError = TryLoad(bridge);
        if (loadError is null)
        {
            return $"{bridge} loads, but TorchSharp still failed to start. The libtorch runtime package probably "
                + "does not match the TorchSharp version (TorchSharp 0.107 needs libtorch 2.10, for example "
                + "libtorch-cpu-linux-x64 2.10.0)." + reported;
        }

        var missingTorch = torchPresent
            ? string.Empty
            : $" {TorchLibrary} is not beside it either: reference a libtorch runtime package such as "
                + "libtorch-cpu-linux-x64 (TinyBeauty.Model does not bring one, so that you can choose CPU or CUDA).";
        var version = Regex.Match(loadError, @"GLIBCXX_[0-9.]*[0-9]");
        if (!version.Success)
        {
            return $"The system cannot load {bridge}: {loadError}.{missingTorch}" + reported;
        }

        return $"The system cannot load {bridge}: {loadError}. The system libstdc++ is older than the one libtorch "
            + $"was built against: it lacks symbol version {version.Value}. "
            + $"{DescribePatchState(bridge, version.Value)} "
            + "TinyBeauty.Model's build step marks such requirements weak in the copy in the build and publish "
            + "output: check that the MSBuild property TinyBeautyPatchTorchNative is not false, that the build ran "
            + "after the file was copied (rebuild), and that 'readelf -V' on the output copy shows 'Flags: WEAK' for "
            + $"{version.Value}; add other version names to TinyBeautyTorchNativeWeakVersions. Otherwise install a "
            + $"newer libstdc++ (GCC 13 or later).{missingTorch}" + reported;
    }

    private static string DescribePatchState(string path, string version)
    {
        try
        {
            var requirement = ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(path))
                .FirstOrDefault(item => item.Version == version);
            return requirement is null
                ? $"The file does not itself require {version}; a library it depends on does."
                : requirement.IsWeak
                    ? $"The file already marks {version} weak, so a library it depends on requires it."
                    : $"The file requires {version} and is not patched.";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return $"The file could not be inspected ({exception.Message}).";
        }
    }

    private static string[] CandidateDirectories()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var torchSharp = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        string[] folders =
        [
            baseDirectory,
            Path.Combine(baseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"),
            Path.Combine(baseDirectory, "runtimes", $"linux-{Architecture()}", "native"),
            string.IsNullOrEmpty(torchSharp) ? baseDirectory : torchSharp,
        ];
        return folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToArray();
    }

    private static string Architecture() =>
        RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    /// <summary>Opens a library with dlopen and returns dlerror's text, or null when it loads.</summary>
    private static string? TryLoad(string path)
    {
        if (!NativeLibrary.TryLoad("libdl.so.2", out var dl) && !NativeLibrary.TryLoad("libc.so.6", out dl))
        {
            return NativeLibrary.TryLoad(path, out _) ? null : "the library failed to load (no dlerror available)";
        }

        var open = Marshal.GetDelegateForFunctionPointer<DlopenFunction>(NativeLibrary.GetExport(dl, "dlopen"));
        var error = Marshal.GetDelegateForFunctionPointer<DlerrorFunction>(NativeLibrary.GetExport(dl, "dlerror"));
        var close = Marshal.GetDelegateForFunctionPointer<DlcloseFunction>(NativeLibrary.GetExport(dl, "dlclose"));
        error();
        var handle = open(path, LoadLazily);
        if (handle != IntPtr.Zero)
        {
            close(handle);
            return null;
        }

        return Marshal.PtrToStringUTF8(error()) ?? "dlopen failed without a message";
    }
}
