using TinyBeauty.Amplify.Rendering;
using TinyBeauty.Testing;

namespace TinyBeauty.Amplify.Tests.Rendering;

public sealed class MakeupStyleTests
{
    [Theory]
    [InlineData("#B0182A", 0xB0, 0x18, 0x2A)]
    [InlineData("b0182a", 0xB0, 0x18, 0x2A)]
    [InlineData(" #000000 ", 0, 0, 0)]
    public void ColorParse_HexText_ReadsChannels(string text, int red, int green, int blue)
    {
        var color = MakeupColor.Parse(text);

        Assert.Equal(new MakeupColor((byte)red, (byte)green, (byte)blue), color);
    }

    [Theory]
    [InlineData("#B0182")]
    [InlineData("#B0182AA")]
    [InlineData("red")]
    [InlineData("")]
    public void ColorParse_NotHex_ThrowsNamingTheText(string text)
    {
        var exception = Assert.Throws<FormatException>(() => MakeupColor.Parse(text));

        Assert.Contains($"'{text}'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FullStyle_ReadsEveryLayer()
    {
        var style = MakeupStyle.Parse("""
            {
              "name": "classic-red",
              "description": "Red lips",
              "lipstick": { "color": "#B3142A", "opacity": 0.85, "gloss": 0.3 },
              "eyeliner": { "color": "#161214", "thickness": 0.08, "wing": 0.3 },
              "eyeshadow": { "color": "#2A2428", "spread": 0.8 },
              "blush": { "color": "#D96A72", "size": 0.9 },
              "brows": { "color": "#3A2A22", "opacity": 0.3 }
            }
            """);

        Assert.Equal("classic-red", style.Name);
        Assert.Equal(MakeupColor.Parse("#B3142A"), style.Lipstick!.Color);
        Assert.Equal(0.3f, style.Lipstick.Gloss);
        Assert.Equal(0.08f, style.Eyeliner!.Thickness);
        Assert.Equal(new EyelinerLayer().Opacity, style.Eyeliner.Opacity);
        Assert.Equal(0.8f, style.Eyeshadow!.Spread);
        Assert.Equal(0.9f, style.Blush!.Size);
        Assert.Equal(0.3f, style.Brows!.Opacity);
    }

    [Fact]
    public void ToJson_ThenParse_GivesEqualLayers()
    {
        var style = new MakeupStyle
        {
            Name = "round-trip",
            Lipstick = new LipstickLayer { Color = new MakeupColor(1, 2, 3), Opacity = 0.5f },
            Blush = new BlushLayer(),
        };

        var copy = MakeupStyle.Parse(style.ToJson());

        Assert.Equal(style.Lipstick, copy.Lipstick);
        Assert.Equal(style.Blush, copy.Blush);
        Assert.Null(copy.Eyeliner);
        Assert.Contains("\"#010203\"", style.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "name": "a", "lipstik": {} }""", "lipstik")]
    [InlineData("""{ "name": "a", "lipstick": { "opacity": 1.5 } }""", "lipstick.opacity")]
    [InlineData("""{ "name": "a", "eyeliner": { "thickness": 0 } }""", "eyeliner.thickness")]
    [InlineData("""{ "name": "a", "blush": { "color": "pink" } }""", "#RRGGBB")]
    [InlineData("""{ "name": "a b" }""", "name")]
    [InlineData("""{ "name": "a", """, "line")]
    public void Parse_BadStyle_ThrowsNamingTheProblem(string json, string expected)
    {
        var exception = Assert.Throws<InvalidDataException>(() => MakeupStyle.Parse(json));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadFile_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tinybeauty-style-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "name": "a", "lipstick": { "gloss": -1 } }""");
        try
        {
            var exception = Assert.Throws<InvalidDataException>(() => MakeupStyle.Load(path));

            Assert.Contains(path, exception.Message, StringComparison.Ordinal);
            Assert.Contains("lipstick.gloss", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => MakeupStyle.Load("no-such-style.json"));
    }

    [Fact]
    public void RepositoryStyles_AllLoad()
    {
        var files = Directory.GetFiles(Path.Combine(RepositoryData.Root, "styles"), "*.json");

        Assert.True(files.Length >= 3, $"expected at least 3 style files, found {files.Length}");
        foreach (var file in files)
        {
            var style = MakeupStyle.Load(file);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), style.Name);
            Assert.False(string.IsNullOrWhiteSpace(style.Description));
        }
    }
}
