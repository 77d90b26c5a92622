using TinyBeauty.Model.Native;

namespace TinyBeauty.Model.Tests.Native;

public sealed class ElfVersionPatcherTests
{
    private static readonly HashSet<string> s_versions = [NativeTestFiles.MissingVersion];

    [UnpatchedNativeFact]
    public void ReadRequirements_PackageCopy_RequiresVersionStrongly()
    {
        var requirements = ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(NativeTestFiles.CacheCopy));

        var requirement = Assert.Single(requirements, item => item.Version == NativeTestFiles.MissingVersion);
        Assert.Equal("libstdc++.so.6", requirement.File);
        Assert.False(requirement.IsWeak);
        Assert.Contains(requirements, item => item.Version.StartsWith("GLIBC_", StringComparison.Ordinal));
    }

    [UnpatchedNativeFact]
    public void MarkWeak_Image_SetsOnlyThatFlagAndIsIdempotent()
    {
        var original = File.ReadAllBytes(NativeTestFiles.CacheCopy);
        var image = (byte[])original.Clone();

        var first = ElfVersionPatcher.MarkWeak(image, s_versions);
        var second = ElfVersionPatcher.MarkWeak(image, s_versions);

        Assert.Equal(1, first);
        Assert.Equal(0, second);
        var after = ElfVersionPatcher.ReadRequirements(image);
        var before = ElfVersionPatcher.ReadRequirements(original);
        Assert.True(after.Single(item => item.Version == NativeTestFiles.MissingVersion).IsWeak);
        Assert.Equal(before.Count, after.Count);
        var differing = Enumerable.Range(0, image.Length).Count(index => image[index] != original[index]);
        Assert.Equal(1, differing);
    }

    [UnpatchedNativeFact]
    public void MarkWeak_SymbolicLink_ReplacesLinkAndLeavesTargetUntouched()
    {
        using var folder = new TemporaryFolder();
        var target = Path.Combine(folder.Path, "package.so");
        var link = Path.Combine(folder.Path, NativeTestFiles.Bridge);
        File.Copy(NativeTestFiles.CacheCopy, target);
        File.CreateSymbolicLink(link, target);
        var linkTime = File.GetLastWriteTimeUtc(link);

        var changed = ElfVersionPatcher.MarkWeak(link, s_versions);
        var again = ElfVersionPatcher.MarkWeak(link, s_versions);

        Assert.Equal(1, changed);
        Assert.Equal(0, again);
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.Equal(linkTime, File.GetLastWriteTimeUtc(link));
        Assert.Equal(File.ReadAllBytes(NativeTestFiles.CacheCopy), File.ReadAllBytes(target));
        var patched = ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(link));
        Assert.True(patched.Single(item => item.Version == NativeTestFiles.MissingVersion).IsWeak);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [LinuxFact]
    public void OutputCopy_AfterBuild_IsPatchedByTheBuildStep()
    {
        var requirements = ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(NativeTestFiles.OutputCopy));

        Assert.True(requirements.Single(item => item.Version == NativeTestFiles.MissingVersion).IsWeak);
    }

    [Fact]
    public void ReadRequirements_NotElf_ThrowsInvalidData()
    {
        var text = System.Text.Encoding.ASCII.GetBytes(new string('x', 100));

        var exception = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadRequirements(text));

        Assert.Contains("not an ELF file", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseVersions_EmptyOrList_UsesDefaultOrSplits()
    {
        Assert.Equal([NativeTestFiles.MissingVersion], ElfVersionPatcher.ParseVersions(null));
        Assert.Equal(["A_1", "B_2"], ElfVersionPatcher.ParseVersions(" A_1; B_2 ").Order());
    }
}

/// <summary>A folder under the system temporary folder, deleted on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = Directory.CreateTempSubdirectory("tinybeauty-").FullName;
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
