using TorchSharp;

namespace TinyBeauty.Model.Tests.Native;

/// <summary>Locates TorchSharp's native library in the build output and, unpatched, in the NuGet cache.</summary>
internal static class NativeTestFiles
{
    public const string Bridge = "libLibTorchSharp.so";

    public const string MissingVersion = "GLIBCXX_3.4.32";

    /// <summary>Gets the copy in the test output, which the build step patches.</summary>
    public static string OutputCopy => Path.Combine(AppContext.BaseDirectory, Bridge);

    /// <summary>Gets the package's own copy, which must stay unpatched.</summary>
    public static string CacheCopy
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(root))
            {
                var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                root = Path.Combine(home, ".nuget", "packages");
            }

            var version = typeof(torch).Assembly.GetName().Version!;
            var package = $"{version.Major}.{version.Minor}.{version.Build}";
            return Path.Combine(root, "torchsharp", package, "runtimes", "linux-x64", "native", Bridge);
        }
    }

    /// <summary>Returns whether the system libstdc++ defines a symbol version, or null when none was found.</summary>
    public static bool? SystemLibstdcxxHas(string version)
    {
        string[] candidates =
        [
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
        ];
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        var needle = System.Text.Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
    }
}

/// <summary>A fact about Linux's dynamic loader and ELF files; skipped, saying so, on other systems.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Linux only: it tests the ELF format and the Linux dynamic loader.";
        }
    }
}

/// <summary>
/// A Linux fact that needs the unpatched TorchSharp native library from the NuGet cache and, when
/// <c>needsOldLibstdcxx</c> is set, a system libstdc++ that lacks GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class UnpatchedNativeFactAttribute : FactAttribute
{
    public UnpatchedNativeFactAttribute(bool needsOldLibstdcxx = false)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Linux only: it tests the ELF format and the Linux dynamic loader.";
        }
        else if (!File.Exists(NativeTestFiles.CacheCopy))
        {
            Skip = $"The unpatched TorchSharp native library is not at {NativeTestFiles.CacheCopy}.";
        }
        else if (needsOldLibstdcxx && NativeTestFiles.SystemLibstdcxxHas(NativeTestFiles.MissingVersion) != false)
        {
            Skip = $"This system's libstdc++ provides {NativeTestFiles.MissingVersion} (or was not found), "
                + "so the unpatched library loads and there is no failure to diagnose.";
        }
    }
}
