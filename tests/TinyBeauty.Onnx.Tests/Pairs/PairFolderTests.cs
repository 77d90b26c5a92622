using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Onnx.Pairs;

namespace TinyBeauty.Onnx.Tests.Pairs;

public sealed class PairFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-pair-tests").FullName;

    public PairFolderTests()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "before"));
        Directory.CreateDirectory(Path.Combine(_folder, "after"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Open_GoodPairs_ListsThemSortedByNameWithHeaderSizes()
    {
        WriteImage("before/face-b.png", 8, 6);
        WriteImage("after/face-b.jpg", 8, 6);
        WriteImage("before/face-a.jpg", 5, 4);
        WriteImage("after/face-a.png", 5, 4);
        WriteImage("before/Face-c.PNG", 3, 3);
        WriteImage("after/Face-c.jpeg", 3, 3);

        var folder = PairFolder.Open(_folder);

        Assert.Equal(["Face-c", "face-a", "face-b"], folder.Pairs.Select(pair => pair.Name));
        Assert.Empty(folder.Problems);
        Assert.Equal(_folder, folder.FolderPath);
        var a = folder.Pairs[1];
        Assert.Equal(FullPath("before/face-a.jpg"), a.BeforePath);
        Assert.Equal(FullPath("after/face-a.png"), a.AfterPath);
        Assert.Equal((5, 4), (a.Width, a.Height));
        Assert.Empty(a.MaskPaths);
    }

    [Fact]
    public void Open_BeforeWithoutAfter_ReportsMissingAfterForTheBeforeFile()
    {
        WritePair("good", 4, 4);
        WriteImage("before/lonely.png", 4, 4);

        var folder = PairFolder.Open(_folder);

        var problem = Assert.Single(folder.Problems);
        Assert.Equal(PairProblemKind.MissingAfter, problem.Kind);
        Assert.Equal(FullPath("before/lonely.png"), problem.Path);
        Assert.Contains("after/lonely.png", problem.Reason, StringComparison.Ordinal);
        Assert.Equal(["good"], folder.Pairs.Select(pair => pair.Name));
    }

    [Fact]
    public void Open_AfterWithoutBefore_ReportsMissingBeforeForTheAfterFile()
    {
        WritePair("good", 4, 4);
        WriteImage("after/orphan.jpg", 4, 4);

        var problem = Assert.Single(PairFolder.Open(_folder).Problems);

        Assert.Equal(PairProblemKind.MissingBefore, problem.Kind);
        Assert.Equal(FullPath("after/orphan.jpg"), problem.Path);
        Assert.Contains("'orphan'", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnreadableHeaders_ReportsEachFileWithItsReason()
    {
        WritePair("good", 4, 4);
        WriteImage("before/text.png", 4, 4);
        File.WriteAllText(FullPath("after/text.png"), "not an image at all");
        File.WriteAllBytes(FullPath("before/empty.jpg"), []);
        WriteImage("after/empty.jpg", 4, 4);

        var problems = PairFolder.Open(_folder).Problems;

        Assert.Equal(2, problems.Count);
        Assert.All(problems, problem => Assert.Equal(PairProblemKind.UnreadableImage, problem.Kind));
        Assert.Equal(FullPath("after/text.png"), problems[0].Path);
        Assert.Contains("not in a supported image format", problems[0].Reason, StringComparison.Ordinal);
        Assert.Equal(FullPath("before/empty.jpg"), problems[1].Path);
        Assert.Contains("empty", problems[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_BeforeAndAfterOfDifferentSize_ReportsBothSizes()
    {
        WritePair("good", 4, 4);
        WriteImage("before/wide.png", 12, 8);
        WriteImage("after/wide.png", 12, 9);

        var folder = PairFolder.Open(_folder);

        var problem = Assert.Single(folder.Problems);
        Assert.Equal(PairProblemKind.SizeMismatch, problem.Kind);
        Assert.Equal(FullPath("after/wide.png"), problem.Path);
        Assert.Contains("12x9", problem.Reason, StringComparison.Ordinal);
        Assert.Contains("12x8", problem.Reason, StringComparison.Ordinal);
        Assert.Contains(FullPath("before/wide.png"), problem.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(folder.Pairs, pair => pair.Name == "wide");
    }

    [Fact]
    public void Open_Masks_AreAttachedByRegionToTheLongestMatchingName()
    {
        WritePair("a", 6, 5);
        WritePair("a-b", 7, 5);
        WriteMask("masks/a-lips.png", 6, 5);
        WriteMask("masks/a-eyes.png", 6, 5);
        WriteMask("masks/a-b-lips.png", 7, 5);
        WriteMask("masks/a-b-left-eye.png", 7, 5);

        var folder = PairFolder.Open(Path.Combine(_folder, "."));

        Assert.Empty(folder.Problems);
        var a = folder.Pairs[0];
        var ab = folder.Pairs[1];
        Assert.Equal(["eyes", "lips"], a.MaskPaths.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(FullPath("masks/a-lips.png"), a.MaskPaths["lips"]);
        Assert.Equal(["left-eye", "lips"], ab.MaskPaths.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(FullPath("masks/a-b-lips.png"), ab.MaskPaths["lips"]);
    }

    [Fact]
    public void Open_MaskOfWrongSize_IsReportedAndThePairKeptWithoutIt()
    {
        WritePair("face", 6, 5);
        WriteMask("masks/face-lips.png", 5, 6);
        WriteMask("masks/face-eyes.png", 6, 5);

        var folder = PairFolder.Open(_folder);

        var problem = Assert.Single(folder.Problems);
        Assert.Equal(PairProblemKind.MaskSizeMismatch, problem.Kind);
        Assert.Equal(FullPath("masks/face-lips.png"), problem.Path);
        Assert.Contains("5x6", problem.Reason, StringComparison.Ordinal);
        Assert.Contains("6x5", problem.Reason, StringComparison.Ordinal);
        Assert.Equal(["eyes"], Assert.Single(folder.Pairs).MaskPaths.Keys);
    }

    [Fact]
    public void Open_UnreadableMask_IsReportedAndThePairKeptWithoutIt()
    {
        WritePair("face", 4, 4);
        Directory.CreateDirectory(FullPath("masks"));
        File.WriteAllText(FullPath("masks/face-lips.png"), "not a png");

        var folder = PairFolder.Open(_folder);

        var problem = Assert.Single(folder.Problems);
        Assert.Equal(PairProblemKind.UnreadableImage, problem.Kind);
        Assert.Equal(FullPath("masks/face-lips.png"), problem.Path);
        Assert.Empty(Assert.Single(folder.Pairs).MaskPaths);
    }

    [Fact]
    public void Open_MaskOfSkippedPair_IsNotReportedAgain()
    {
        WritePair("good", 4, 4);
        WriteImage("before/bad.png", 4, 4);
        WriteImage("after/bad.png", 5, 4);
        WriteMask("masks/bad-lips.png", 4, 4);

        var problem = Assert.Single(PairFolder.Open(_folder).Problems);

        Assert.Equal(PairProblemKind.SizeMismatch, problem.Kind);
    }

    [Fact]
    public void Open_MaskWithoutPairOrRegion_IsReportedAsOrphan()
    {
        WritePair("face", 4, 4);
        WriteMask("masks/other-lips.png", 4, 4);
        WriteMask("masks/face.png", 4, 4);
        WriteMask("masks/face-.png", 4, 4);

        var problems = PairFolder.Open(_folder).Problems;

        Assert.Equal(
            [FullPath("masks/face-.png"), FullPath("masks/face.png"), FullPath("masks/other-lips.png")],
            problems.Select(problem => problem.Path));
        Assert.All(problems, problem => Assert.Equal(PairProblemKind.OrphanMask, problem.Kind));
    }

    [Fact]
    public void Open_UnsupportedExtensions_AreReportedAndHiddenFilesIgnored()
    {
        WritePair("face", 4, 4);
        File.WriteAllText(FullPath("before/notes.txt"), "x");
        WriteImage("after/face.bmp", 4, 4);
        WriteMask("masks/face-lips.jpg", 4, 4);
        File.WriteAllText(FullPath("before/.DS_Store"), "x");
        Directory.CreateDirectory(FullPath("after/old"));

        var problems = PairFolder.Open(_folder).Problems;

        Assert.Equal(
            [FullPath("after/face.bmp"), FullPath("before/notes.txt"), FullPath("masks/face-lips.jpg")],
            problems.Select(problem => problem.Path));
        Assert.All(problems, problem => Assert.Equal(PairProblemKind.UnsupportedFile, problem.Kind));
        Assert.Contains("'.bmp'", problems[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TwoFilesWithOneName_ReportsBothAndSkipsThePair()
    {
        WritePair("good", 4, 4);
        WriteImage("before/twin.png", 4, 4);
        WriteImage("before/twin.jpg", 4, 4);
        WriteImage("after/twin.png", 4, 4);

        var folder = PairFolder.Open(_folder);

        Assert.Equal(
            [FullPath("before/twin.jpg"), FullPath("before/twin.png")],
            folder.Problems.Select(problem => problem.Path));
        Assert.All(folder.Problems, problem => Assert.Equal(PairProblemKind.DuplicateName, problem.Kind));
        Assert.Equal(["good"], folder.Pairs.Select(pair => pair.Name));
    }

    [Fact]
    public void Open_MissingFolder_ThrowsDirectoryNotFoundNamingIt()
    {
        var missing = Path.Combine(_folder, "nowhere");

        var error = Assert.Throws<DirectoryNotFoundException>(() => PairFolder.Open(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingAfterSubfolder_ThrowsDirectoryNotFoundNamingIt()
    {
        Directory.Delete(FullPath("after"));

        var error = Assert.Throws<DirectoryNotFoundException>(() => PairFolder.Open(_folder));

        Assert.Contains("'after'", error.Message, StringComparison.Ordinal);
        Assert.Contains(_folder, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoUsablePair_ThrowsInvalidDataNamingFolderAndProblems()
    {
        WriteImage("before/a.png", 4, 4);
        WriteImage("after/a.png", 4, 5);

        var error = Assert.Throws<InvalidDataException>(() => PairFolder.Open(_folder));

        Assert.Contains(_folder, error.Message, StringComparison.Ordinal);
        Assert.Contains("no usable", error.Message, StringComparison.Ordinal);
        Assert.Contains("4x5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptySubfolders_ThrowsInvalidData()
    {
        var error = Assert.Throws<InvalidDataException>(() => PairFolder.Open(_folder));

        Assert.Contains("0 before and 0 after", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyPath_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PairFolder.Open(""));
    }

    internal static void SaveImage(string path, int width, int height, Rgb24 colour = default)
    {
        using var image = new Image<Rgb24>(width, height, colour);
        image.Save(path);
    }

    internal static void SaveMask(string path, int width, int height, Func<int, int, byte>? weight = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var mask = new Image<L8>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                mask[x, y] = new L8(weight?.Invoke(x, y) ?? 255);
            }
        }

        mask.SaveAsPng(path);
    }

    private string FullPath(string relative) => Path.Combine(_folder, relative);

    private void WriteImage(string relative, int width, int height) => SaveImage(FullPath(relative), width, height);

    private void WriteMask(string relative, int width, int height) => SaveMask(FullPath(relative), width, height);

    private void WritePair(string name, int width, int height)
    {
        WriteImage($"before/{name}.png", width, height);
        WriteImage($"after/{name}.png", width, height);
    }
}
