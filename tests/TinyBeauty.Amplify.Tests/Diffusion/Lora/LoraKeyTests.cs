using System.Globalization;
using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Testing;

namespace TinyBeauty.Amplify.Tests.Diffusion.Lora;

public sealed class LoraKeyTests
{
    private const string Table = "reference/sd15/lora-attn-keys.tsv";

    [ReferenceFact(Table)]
    public void Parse_ReferenceTableInEveryForm_MapsToTheSameTargetsAndShapes()
    {
        var rows = ReadTable();
        var byForm = rows.GroupBy(row => row.Form).ToDictionary(
            group => group.Key,
            group => group.ToDictionary(row => LoraKey.Parse(row.Key), row => row.Shape));

        Assert.Equal(["lora_layer", "peft", "processor"], byForm.Keys.Order(StringComparer.Ordinal));
        var processor = byForm["processor"];
        Assert.Equal(256, processor.Count);
        Assert.Equal(128, processor.Keys.Select(key => key.ModulePath).Distinct().Count());
        foreach (var form in byForm.Values)
        {
            Assert.Equal(processor.Count, form.Count);
            Assert.All(form, entry => Assert.Equal(processor[entry.Key], entry.Value));
        }

        // Down is [rank, in] and up is [out, rank] with rank 4, and the widths of one module agree.
        foreach (var (key, shape) in processor.Where(entry => entry.Key.Part == LoraPart.Down))
        {
            Assert.Equal(4, shape[0]);
            Assert.Equal(4, processor[key with { Part = LoraPart.Up }][1]);
        }
    }

    [ReferenceFact(Table)]
    public void ParseAndFormat_ReferenceTable_RoundTripWithAndWithoutTheUnetPrefix()
    {
        foreach (var row in ReadTable())
        {
            var form = row.Form switch
            {
                "processor" => LoraKeyForm.Processor,
                "peft" => LoraKeyForm.Peft,
                _ => LoraKeyForm.LoraLayer,
            };

            Assert.True(LoraKey.TryParse("unet." + row.Key, out var prefixed, out var parsedForm));
            Assert.Equal(form, parsedForm);
            Assert.Equal(LoraKey.Parse(row.Key), prefixed);
            Assert.Equal(row.Key, prefixed.Format(form));
        }
    }

    [Theory]
    [InlineData("mid_block.attentions.0.transformer_blocks.0.attn2.processor.to_out_lora.up.weight")]
    [InlineData("mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0.lora_B.weight")]
    [InlineData("unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0.lora.up.weight")]
    public void Parse_OutputProjectionInAnyForm_TargetsToOutZero(string key)
    {
        var parsed = LoraKey.Parse(key);

        Assert.Equal("mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0", parsed.ModulePath);
        Assert.Equal(LoraPart.Up, parsed.Part);
    }

    [Theory]
    [InlineData("")]
    [InlineData("down_blocks.0.attentions.0.proj_in.weight")]
    [InlineData("down_blocks.0.attn1.processor.to_z_lora.up.weight")]
    [InlineData("down_blocks.0.attn1.to_q.lora_C.weight")]
    [InlineData("down_blocks.0.attn1.to_q.lora.down.bias")]
    public void TryParse_NotALoraName_ReturnsFalse(string key)
    {
        Assert.False(LoraKey.TryParse(key, out _, out _));
    }

    [Fact]
    public void Parse_NotALoraName_ThrowsNamingTheKey()
    {
        var exception = Assert.Throws<FormatException>(() => LoraKey.Parse("text_model.x.weight"));

        Assert.Contains("'text_model.x.weight'", exception.Message, StringComparison.Ordinal);
    }

    private static List<(string Key, int[] Shape, string Form)> ReadTable()
    {
        var rows = new List<(string Key, int[] Shape, string Form)>();
        var lines = File.ReadLines(ReferenceData.Path(Table)).Where(line => !line.StartsWith('#')).ToList();
        var header = lines[0].Split('\t');
        Assert.Equal(["key", "shape", "dtype", "form"], header);
        foreach (var line in lines.Skip(1).Where(line => line.Length > 0))
        {
            var fields = line.Split('\t');
            var shape = fields[1].Trim('[', ']').Split(',')
                .Select(dimension => int.Parse(dimension.Trim(), CultureInfo.InvariantCulture)).ToArray();
            rows.Add((fields[0], shape, fields[3]));
        }

        return rows;
    }
}
