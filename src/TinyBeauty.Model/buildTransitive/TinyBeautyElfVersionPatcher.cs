// This file is compiled twice: into TinyBeauty.Model (where TINYBEAUTY_MODEL_ASSEMBLY is defined and only the
// patcher is built) and by MSBuild's RoslynCodeTaskFactory from TinyBeauty.Model.targets, where the task class
// at the end is built as well. It therefore sticks to APIs that netstandard2.0 offers and uses explicit usings.
#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace TinyBeauty.Model.Native;

/// <summary>One symbol-version requirement read from an ELF file's <c>.gnu.version_r</c> section.</summary>
internal sealed class ElfVersionRequirement
{
    /// <summary>Initializes a requirement record.</summary>
    public ElfVersionRequirement(string file, string version, ushort flags, long flagsOffset)
    {
        File = file;
        Version = version;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    /// <summary>Gets the library that must provide the version, for example <c>libstdc++.so.6</c>.</summary>
    public string File { get; }

    /// <summary>Gets the version name, for example <c>GLIBCXX_3.4.32</c>.</summary>
    public string Version { get; }

    /// <summary>
    /// Gets the <c>vna_flags</c> field; <see cref="ElfVersionPatcher.WeakFlag"/> marks a weak requirement.
    /// </summary>
    public ushort Flags { get; }

    /// <summary>Gets the file offset of the two-byte <c>vna_flags</c> field.</summary>
    public long FlagsOffset { get; }

    /// <summary>Gets whether the dynamic loader tolerates the version being absent.</summary>
    public bool IsWeak => (Flags & ElfVersionPatcher.WeakFlag) != 0;
}

/// <summary>
/// Reads and edits the symbol-version requirements (<c>SHT_GNU_verneed</c>) of 64-bit little-endian ELF files.
/// </summary>
/// <remarks>
/// Marking a requirement weak (<c>VER_FLG_WEAK</c>) lets the dynamic loader open a library whose build machine had
/// a newer libstdc++ than this one. Symbols that exist only in the newer version still fail when first called; for
/// TorchSharp's native library that is acceptable because the symbols in question are not reached on CPU paths.
/// </remarks>
internal static class ElfVersionPatcher
{
    /// <summary>The <c>VER_FLG_WEAK</c> bit of <c>vna_flags</c>.</summary>
    public const ushort WeakFlag = 0x2;

    /// <summary>
    /// The version names made weak when none are given: what TorchSharp 0.107.0 needs beyond Debian 12.
    /// </summary>
    public const string DefaultVersions = "GLIBCXX_3.4.32";

    private const uint SectionTypeVersionNeed = 0x6ffffffe;

    private const int SectionHeaderSize = 64;

    private const int RecordSize = 16;

    /// <summary>Lists every version requirement of an ELF image, in file order.</summary>
    /// <exception cref="InvalidDataException">The image is not a well-formed 64-bit little-endian ELF file.</exception>
    public static IReadOnlyList<ElfVersionRequirement> ReadRequirements(byte[] image)
    {
        if (image is null)
        {
            throw new ArgumentNullException(nameof(image));
        }

        var requirements = new List<ElfVersionRequirement>();
        CheckHeader(image);
        var sectionsOffset = ReadOffset(image, 0x28, "e_shoff");
        int entrySize = ReadUInt16(image, 0x3A);
        long sectionCount = ReadUInt16(image, 0x3C);
        if (sectionsOffset == 0)
        {
            return requirements;
        }

        if (entrySize < SectionHeaderSize)
        {
            throw new InvalidDataException($"The ELF section header size is {entrySize} bytes, expected 64.");
        }

        // With 0xff00 sections or more the real count sits in the size field of section 0.
        if (sectionCount == 0)
        {
            sectionCount = ReadOffset(image, sectionsOffset + 32, "section 0 sh_size");
        }

        for (long index = 0; index < sectionCount; index++)
        {
            var header = sectionsOffset + (index * entrySize);
            if (ReadUInt32(image, header + 4) == SectionTypeVersionNeed)
            {
                ReadSection(image, sectionsOffset, entrySize, header, requirements);
            }
        }

        return requirements;
    }

    /// <summary>
    /// Sets the weak flag on every requirement whose version name is in <paramref name="versions"/>.
    /// Returns how many flags changed; zero when they were already weak, so calling it again changes nothing.
    /// </summary>
    /// <exception cref="InvalidDataException">The image is not a well-formed 64-bit little-endian ELF file.</exception>
    public static int MarkWeak(byte[] image, ICollection<string> versions)
    {
        if (versions is null)
        {
            throw new ArgumentNullException(nameof(versions));
        }

        var changed = 0;
        foreach (var requirement in ReadRequirements(image))
        {
            if (!requirement.IsWeak && versions.Contains(requirement.Version))
            {
                var flags = (ushort)(requirement.Flags | WeakFlag);
                image[requirement.FlagsOffset] = (byte)flags;
                image[requirement.FlagsOffset + 1] = (byte)(flags >> 8);
                changed++;
            }
        }

        return changed;
    }

    /// <summary>
    /// Marks the named version requirements of the file at <paramref name="path"/> weak. The file is never edited in
    /// place: a patched copy is written beside it and renamed over it, so a hard or symbolic link into a package
    /// cache is replaced by a file of its own and the cache stays untouched. The permissions and the last write
    /// time are kept, so incremental copies see the file as unchanged. Returns how many flags changed.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed 64-bit little-endian ELF file.</exception>
    /// <exception cref="IOException">The file cannot be read or replaced.</exception>
    public static int MarkWeak(string path, ICollection<string> versions)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        var image = System.IO.File.ReadAllBytes(path);
        var changed = MarkWeak(image, versions);
        if (changed == 0)
        {
            return 0;
        }

        var lastWrite = System.IO.File.GetLastWriteTimeUtc(path);
        var temporary = path + ".tinybeauty-" + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            // Copying first keeps the original file mode; the bytes are then overwritten with the patched image.
            System.IO.File.Copy(path, temporary, true);
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                stream.Write(image, 0, image.Length);
            }

            System.IO.File.SetLastWriteTimeUtc(temporary, lastWrite);
            System.IO.File.Replace(temporary, path, null);
        }
        finally
        {
            if (System.IO.File.Exists(temporary))
            {
                System.IO.File.Delete(temporary);
            }
        }

        return changed;
    }

    /// <summary>Splits a list of version names separated by semicolons, commas or white space.</summary>
    public static HashSet<string> ParseVersions(string? versions)
    {
        var separators = new[] { ';', ',', ' ', '\t', '\r', '\n' };
        var text = string.IsNullOrWhiteSpace(versions) ? DefaultVersions : versions!;
        var names = text.Split(separators, StringSplitOptions.RemoveEmptyEntries);
        return new HashSet<string>(names, StringComparer.Ordinal);
    }

    private static void ReadSection(
        byte[] image,
        long sectionsOffset,
        int entrySize,
        long header,
        List<ElfVersionRequirement> requirements)
    {
        var offset = ReadOffset(image, header + 24, "sh_offset");
        var size = ReadOffset(image, header + 32, "sh_size");
        var stringHeader = sectionsOffset + (ReadUInt32(image, header + 40) * (long)entrySize);
        var strings = ReadOffset(image, stringHeader + 24, "string table sh_offset");
        var stringsSize = ReadOffset(image, stringHeader + 32, "string table sh_size");
        var end = offset + size;
        var need = offset;

        // Each Verneed record names a library and chains to its Vernaux records (one per version name).
        for (var guard = 0; guard < 65536; guard++)
        {
            CheckRange(image, need, RecordSize, end);
            int auxCount = ReadUInt16(image, need + 2);
            var file = ReadString(image, strings, stringsSize, ReadUInt32(image, need + 4));
            var aux = need + ReadUInt32(image, need + 8);
            for (var index = 0; index < auxCount; index++)
            {
                CheckRange(image, aux, RecordSize, end);
                var version = ReadString(image, strings, stringsSize, ReadUInt32(image, aux + 8));
                requirements.Add(new ElfVersionRequirement(file, version, ReadUInt16(image, aux + 4), aux + 4));
                var nextAux = ReadUInt32(image, aux + 12);
                if (nextAux == 0)
                {
                    break;
                }

                aux += nextAux;
            }

            var next = ReadUInt32(image, need + 12);
            if (next == 0)
            {
                return;
            }

            need += next;
        }

        throw new InvalidDataException("The ELF version-requirement chain does not end.");
    }

    private static void CheckHeader(byte[] image)
    {
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L'
            || image[3] != (byte)'F')
        {
            throw new InvalidDataException("The file is not an ELF file (the magic bytes are missing).");
        }

        if (image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException(
                "Only 64-bit little-endian ELF files are supported; "
                + $"this one has class {image[4]} and data encoding {image[5]}.");
        }
    }

    private static void CheckRange(byte[] image, long offset, long length, long limit)
    {
        if (offset < 0 || offset + length > image.Length || offset + length > limit)
        {
            throw new InvalidDataException($"An ELF record at offset {offset} lies outside its section or the file.");
        }
    }

    private static string ReadString(byte[] image, long table, long tableSize, uint index)
    {
        var start = table + index;
        var end = start;
        var limit = Math.Min(image.Length, table + tableSize);
        while (end < limit && image[end] != 0)
        {
            end++;
        }

        if (end >= limit)
        {
            throw new InvalidDataException($"An ELF string at offset {start} is not terminated inside its table.");
        }

        return Encoding.UTF8.GetString(image, (int)start, (int)(end - start));
    }

    private static ushort ReadUInt16(byte[] image, long offset)
    {
        CheckRange(image, offset, 2, image.Length);
        return (ushort)(image[offset] | (image[offset + 1] << 8));
    }

    private static uint ReadUInt32(byte[] image, long offset)
    {
        CheckRange(image, offset, 4, image.Length);
        return image[offset] | ((uint)image[offset + 1] << 8) | ((uint)image[offset + 2] << 16)
            | ((uint)image[offset + 3] << 24);
    }

    private static long ReadOffset(byte[] image, long offset, string field)
    {
        CheckRange(image, offset, 8, image.Length);
        var value = ReadUInt32(image, offset) | ((ulong)ReadUInt32(image, offset + 4) << 32);
        if (value > (ulong)image.Length)
        {
            throw new InvalidDataException($"The ELF field {field} ({value}) points past the end of the file.");
        }

        return (long)value;
    }
}

#if !TINYBEAUTY_MODEL_ASSEMBLY
/// <summary>
/// MSBuild task: marks the listed symbol-version requirements of the given native libraries weak, so that
/// TorchSharp's native library loads on systems with an older libstdc++ (for example Debian 12).
/// </summary>
public sealed class TinyBeautyPatchElfVersions : Microsoft.Build.Utilities.Task
{
    /// <summary>Gets or sets the libraries to patch; missing files are skipped.</summary>
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } =
        Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    /// <summary>Gets or sets the version names to make weak, separated by semicolons.</summary>
    public string? Versions { get; set; }

    /// <inheritdoc />
    public override bool Execute()
    {
        var versions = ElfVersionPatcher.ParseVersions(Versions);
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            if (!System.IO.File.Exists(path))
            {
                continue;
            }

            try
            {
                var changed = ElfVersionPatcher.MarkWeak(path, versions);
                var message = changed == 0
                    ? "TinyBeauty: {0} needs no patch."
                    : "TinyBeauty: marked {1} symbol-version requirement(s) of {0} weak.";
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, message, path, changed);
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                Log.LogError("TinyBeauty could not patch {0}: {1}", path, exception.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }
}
#endif
