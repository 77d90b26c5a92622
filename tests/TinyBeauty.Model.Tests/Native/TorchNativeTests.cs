namespace TinyBeauty.Model.Tests.Native;

public sealed class TorchNativeTests
{
    [LinuxFact]
    public void EnsureAvailable_PatchedOutput_Succeeds()
    {
        TorchNative.EnsureAvailable();
        TorchNative.EnsureAvailable();
    }

    [UnpatchedNativeFact(needsOldLibstdcxx: true)]
    public void Diagnose_UnpatchedCopy_NamesTheMissingLibstdcxxVersion()
    {
        using var folder = new TemporaryFolder();
        File.Copy(NativeTestFiles.CacheCopy, Path.Combine(folder.Path, NativeTestFiles.Bridge));

        // libtorch and its dependencies come from the test output, so only the version check can fail.
        foreach (var library in Directory.GetFiles(AppContext.BaseDirectory, "*.so*"))
        {
            var name = Path.GetFileName(library);
            if (name != NativeTestFiles.Bridge)
            {
                File.CreateSymbolicLink(Path.Combine(folder.Path, name), library);
            }
        }

        var message = TorchNative.Diagnose(folder.Path, null);

        Assert.Contains(NativeTestFiles.MissingVersion, message, StringComparison.Ordinal);
        Assert.Contains("libstdc++ is older", message, StringComparison.Ordinal);
        Assert.Contains("TinyBeautyPatchTorchNative", message, StringComparison.Ordinal);
        Assert.Contains("is not patched", message, StringComparison.Ordinal);
    }

    [LinuxFact]
    public void Diagnose_FolderWithoutTheLibrary_SaysItIsMissing()
    {
        using var folder = new TemporaryFolder();

        var message = TorchNative.Diagnose(folder.Path, new InvalidOperationException("original"));

        Assert.Contains("libLibTorchSharp.so is missing", message, StringComparison.Ordinal);
        Assert.Contains(folder.Path, message, StringComparison.Ordinal);
        Assert.Contains("original", message, StringComparison.Ordinal);
    }
}
