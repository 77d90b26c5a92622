using TinyBeauty.Amplify.Diffusion.Pipeline;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionFinetuneOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedSettings()
    {
        var options = new DiffusionFinetuneOptions();

        Assert.Equal((512, 4, 1e-4, 1e-2), (options.Size, options.Rank, options.LearningRate, options.WeightDecay));
        options.Validate();
    }

    [Fact]
    public void Validate_NegativeLearningRate_Throws()
    {
        var options = new DiffusionFinetuneOptions { LearningRate = -1 };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    [Fact]
    public void Validate_NoMaskRegion_Throws()
    {
        var options = new DiffusionFinetuneOptions { MaskRegions = [] };

        Assert.Throws<ArgumentException>(options.Validate);
    }
}
