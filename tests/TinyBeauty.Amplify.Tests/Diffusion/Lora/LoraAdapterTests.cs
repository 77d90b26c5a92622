using TinyBeauty.Amplify.Diffusion.Lora;
using TinyBeauty.Model.Checkpoints;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Lora;

public sealed class LoraAdapterTests : IDisposable
{
    private const string Attention = "down_blocks.0.attentions.0.transformer_blocks.0.attn1";

    private readonly string _folder = Directory.CreateTempSubdirectory("tinybeauty-lora-tests").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Inject_DiffusersNamedTree_ReplacesEveryAttentionProjection()
    {
        using var tree = new TinyAttentionTree(seed: 1);

        var adapter = LoraAdapter.Inject(tree);

        Assert.Equal(16, adapter.Layers.Count);
        Assert.Contains($"{Attention}.to_q", adapter.Layers.Keys);
        Assert.Contains($"{Attention}.to_out.0", adapter.Layers.Keys);
        Assert.Contains("mid_block.attentions.0.transformer_blocks.0.attn2.to_v", adapter.Layers.Keys);
        var modules = tree.named_modules().ToDictionary(entry => entry.name, entry => entry.module);
        Assert.All(adapter.Layers, entry => Assert.Same(entry.Value, modules[entry.Key]));
        Assert.DoesNotContain(modules.Keys, path => path.EndsWith("proj_in.lora", StringComparison.Ordinal));
    }

    [Fact]
    public void Inject_AnyTree_LeavesOnlyLoraParametersTrainableAndKeepsBaseKeys()
    {
        using var tree = new TinyAttentionTree(seed: 2);

        var adapter = LoraAdapter.Inject(tree);

        var trainable = tree.named_parameters().Where(entry => entry.parameter.requires_grad)
            .Select(entry => entry.name).ToArray();
        Assert.Equal(32, trainable.Length);
        Assert.All(trainable, name => Assert.Matches(@"\.lora\.(down|up)\.weight$", name));
        Assert.Equal(32, adapter.TrainableParameters().Count());
        var keys = tree.state_dict().Keys.ToHashSet();
        Assert.Contains($"{Attention}.to_q.weight", keys);
        Assert.Contains($"{Attention}.to_out.0.bias", keys);
        Assert.Contains($"{Attention}.to_q.lora.down.weight", keys);
    }

    [Fact]
    public void Inject_FreshLayers_LeaveTheOutputUnchangedUntilTheUpWeightsMove()
    {
        using var tree = new TinyAttentionTree(seed: 3);
        using var input = randn(2, TinyAttentionTree.Width);
        using var before = tree.forward(input);

        var adapter = LoraAdapter.Inject(tree);
        using var fresh = tree.forward(input);
        FillUp(adapter, 0.05f);
        using var trained = tree.forward(input);
        adapter.SetScale(0);
        using var scaledToZero = tree.forward(input);

        Assert.Equal(before.data<float>().ToArray(), fresh.data<float>().ToArray());
        Assert.False(trained.allclose(before, rtol: 1e-4, atol: 1e-5));
        Assert.Equal(before.data<float>().ToArray(), scaledToZero.data<float>().ToArray());
    }

    [Fact]
    public void Inject_Twice_ThrowsNamingThePath()
    {
        using var tree = new TinyAttentionTree(seed: 4);
        LoraAdapter.Inject(tree);

        var exception = Assert.Throws<InvalidOperationException>(() => LoraAdapter.Inject(tree));

        Assert.Contains("already has a LoRA layer", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_FieldDeclaredAsLinear_ThrowsNamingThePathAndLeavesTheTreeUnchanged()
    {
        using var module = new LinearFieldAttention();

        var exception = Assert.Throws<InvalidOperationException>(() => LoraAdapter.Inject(module));

        Assert.Contains("'to_q'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Module<Tensor, Tensor>", exception.Message, StringComparison.Ordinal);
        Assert.IsNotType<LoraLinear>(module.Keys);
        Assert.All(module.parameters(), parameter => Assert.True(parameter.requires_grad));
    }

    [Fact]
    public void Inject_RankAboveAWidth_ThrowsNamingThePath()
    {
        using var tree = new TinyAttentionTree(seed: 11);

        var exception = Assert.Throws<ArgumentOutOfRangeException>(
            () => LoraAdapter.Inject(tree, new LoraInjectionOptions { Rank = TinyAttentionTree.Width + 1 }));

        Assert.Contains("down_blocks.0", exception.Message, StringComparison.Ordinal);
        Assert.All(tree.parameters(), parameter => Assert.True(parameter.requires_grad));
    }

    [Fact]
    public void Inject_NoMatchingPath_Throws()
    {
        using var tree = new TinyAttentionTree(seed: 5);
        var options = new LoraInjectionOptions { Targets = ["to_z"] };

        Assert.Throws<InvalidOperationException>(() => LoraAdapter.Inject(tree, options));
    }

    [Theory]
    [InlineData(LoraKeyForm.Processor)]
    [InlineData(LoraKeyForm.Peft)]
    [InlineData(LoraKeyForm.LoraLayer)]
    public void SaveThenLoad_AnyForm_RestoresEveryWeightExactly(LoraKeyForm form)
    {
        using var source = new TinyAttentionTree(seed: 6);
        var saved = LoraAdapter.Inject(source, new LoraInjectionOptions { Seed = 1 });
        FillUp(saved, 0.25f);
        var path = Path.Combine(_folder, $"lora-{form}.safetensors");
        saved.Save(path, form);

        using var target = new TinyAttentionTree(seed: 7);
        var loaded = LoraAdapter.Inject(target, new LoraInjectionOptions { Seed = 2 });
        loaded.Load(path);

        Assert.Equal(32, SafeTensors.Load(path).Count);
        foreach (var (modulePath, layer) in saved.Layers)
        {
            Assert.Equal(layer.DownWeight.data<float>().ToArray(),
                loaded.Layers[modulePath].DownWeight.data<float>().ToArray());
            Assert.Equal(layer.UpWeight.data<float>().ToArray(),
                loaded.Layers[modulePath].UpWeight.data<float>().ToArray());
        }
    }

    [Fact]
    public void Save_DefaultForm_WritesProcessorNames()
    {
        using var tree = new TinyAttentionTree(seed: 8);
        var adapter = LoraAdapter.Inject(tree);
        var path = Path.Combine(_folder, "lora.safetensors");

        adapter.Save(path);

        var names = SafeTensors.Load(path).Keys.ToArray();
        Assert.Contains($"{Attention}.processor.to_out_lora.up.weight", names);
        Assert.Contains($"{Attention}.processor.to_q_lora.down.weight", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void Load_UnetPrefixAndMixedForms_AreAccepted()
    {
        using var tree = new TinyAttentionTree(seed: 9);
        var adapter = LoraAdapter.Inject(tree);
        var weights = new StateDictionary();
        var index = 0;
        foreach (var tensor in adapter.ToStateDictionary(LoraKeyForm.Peft).Tensors)
        {
            var key = LoraKey.Parse(tensor.Name);
            var form = (LoraKeyForm)(index++ % 3);
            var data = Enumerable.Repeat(0.5f, tensor.Data.Length).ToArray();
            weights.Add(new NamedTensor("unet." + key.Format(form), tensor.Shape, data));
        }

        adapter.Load(weights);

        Assert.All(adapter.TrainableParameters(), parameter => Assert.Equal(0.5f, parameter.max().item<float>()));
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("misshaped")]
    [InlineData("missing")]
    [InlineData("duplicate")]
    [InlineData("no-layer")]
    public void Load_BadWeights_ThrowsNamingTheKeyAndCopiesNothing(string problem)
    {
        using var tree = new TinyAttentionTree(seed: 10);
        var adapter = LoraAdapter.Inject(tree);
        var good = adapter.ToStateDictionary(LoraKeyForm.Peft);
        var weights = new StateDictionary();
        foreach (var tensor in good.Tensors.Skip(problem == "missing" ? 1 : 0))
        {
            var data = Enumerable.Repeat(0.5f, tensor.Data.Length).ToArray();
            weights.Add(new NamedTensor(tensor.Name, tensor.Shape, data));
        }

        var (badName, expected) = problem switch
        {
            "unknown" => ("text_encoder.layer.weight", "text_encoder.layer.weight"),
            "misshaped" => ($"{Attention}.to_k.lora_B.weight", $"{Attention}.to_k.lora_B.weight"),
            "duplicate" => ($"{Attention}.processor.to_k_lora.up.weight", $"{Attention}.processor.to_k_lora.up"),
            "no-layer" => ("up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight", "up_blocks.1"),
            _ => (string.Empty, good.Tensors[0].Name),
        };
        if (problem == "misshaped")
        {
            weights = Replace(weights, badName, new NamedTensor(badName, [3, 4], new float[12]));
        }
        else if (badName.Length > 0)
        {
            weights.Add(new NamedTensor(badName, [8, 4], new float[32]));
        }

        var exception = Assert.Throws<InvalidDataException>(() => adapter.Load(weights));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        Assert.All(adapter.Layers.Values, layer => Assert.Equal(0f, layer.UpWeight.abs().max().item<float>()));
    }

    private static StateDictionary Replace(StateDictionary weights, string name, NamedTensor replacement)
    {
        var result = new StateDictionary();
        foreach (var tensor in weights.Tensors)
        {
            result.Add(tensor.Name == name ? replacement : tensor);
        }

        return result;
    }

    private static void FillUp(LoraAdapter adapter, float value)
    {
        using var noGrad = no_grad();
        foreach (var layer in adapter.Layers.Values)
        {
            layer.UpWeight.fill_(value);
        }
    }
}
