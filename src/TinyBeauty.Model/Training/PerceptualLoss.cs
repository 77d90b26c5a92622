using TinyBeauty.Model.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyBeauty.Model.Training;

/// <summary>
/// A frozen VGG-16 feature loss: the mean absolute difference (L1) between the <c>relu3_3</c> activations of the
/// output and of the target.
/// </summary>
/// <remarks>
/// <para>
/// The network is torchvision's <c>vgg16().features</c> up to and including <c>relu3_3</c> (indices 0 to 15: seven
/// 3x3 convolutions with padding 1, each followed by ReLU, and two 2x2 max poolings). Parameters keep torchvision's
/// names, <c>features.0.weight</c>, <c>features.0.bias</c>, <c>features.2.weight</c> and so on, so a torchvision
/// state dict loads unchanged; its deeper layers and <c>classifier.*</c> keys are ignored. Every parameter has
/// <c>requires_grad</c> false and the module stays in evaluation mode; the gradient still flows to the input.
/// </para>
/// <para>
/// Images in [-1, 1] are mapped to [0, 1] by <c>(x + 1) / 2</c>, then normalized with ImageNet's mean
/// (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225), as torchvision's weights expect.
/// </para>
/// <para>
/// No weights ship with this library. The reader handles the zip format that <c>torch.save</c> has written since
/// PyTorch 1.6; torchvision's older download files need one re-save first:
/// <c>torch.save(torch.load("vgg16-397923af.pth"), "vgg16.pt")</c>.
/// </para>
/// </remarks>
public sealed class PerceptualLoss : nn.Module<Tensor, Tensor, Tensor>
{
    private static readonly double[] s_mean = [0.485, 0.456, 0.406];

    private static readonly double[] s_standardDeviation = [0.229, 0.224, 0.225];

    // The field name is torchvision's key prefix ("features"), so it breaks the _camelCase rule on purpose.
#pragma warning disable IDE1006
    private readonly Sequential features;
#pragma warning restore IDE1006

    private PerceptualLoss()
        : base(Prepare(nameof(PerceptualLoss)))
    {
        features = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding: 1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding: 1),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(64, 128, 3, padding: 1),
            nn.ReLU(),
            nn.Conv2d(128, 128, 3, padding: 1),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(128, 256, 3, padding: 1),
            nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding: 1),
            nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding: 1),
            nn.ReLU());
        RegisterComponents();
    }

    /// <summary>
    /// Builds the loss from torchvision VGG-16 weights already in memory. Only the <c>features.*</c> tensors up to
    /// <c>relu3_3</c> are read; other keys are ignored.
    /// </summary>
    /// <param name="weights">A torchvision VGG-16 state dict (float32).</param>
    /// <returns>A frozen module on the CPU, in evaluation mode; the caller owns it and must dispose it.</returns>
    /// <exception cref="InvalidDataException">
    /// A needed tensor is missing or misshaped; the message names it.
    /// </exception>
    /// <exception cref="TorchNativeLoadException">TorchSharp's native libraries cannot be loaded.</exception>
    public static PerceptualLoss FromWeights(StateDictionary weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var loss = new PerceptualLoss();
        try
        {
            loss.CopyWeights(weights);
        }
        catch
        {
            loss.Dispose();
            throw;
        }

        return loss;
    }

    /// <summary>
    /// Reads a torchvision VGG-16 checkpoint (a plain state dict saved with <c>torch.save</c> in the zip format)
    /// and builds the loss from it.
    /// </summary>
    /// <param name="checkpointPath">Path to the checkpoint file.</param>
    /// <returns>A frozen module on the CPU, in evaluation mode; the caller owns it and must dispose it.</returns>
    /// <exception cref="InvalidDataException">
    /// The file is not a readable checkpoint, or a needed tensor is missing or misshaped (the message names it).
    /// </exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static PerceptualLoss Load(string checkpointPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        return FromWeights(PyTorchCheckpoint.Load(checkpointPath, entry: null));
    }

    /// <summary>Computes the mean L1 distance between the <c>relu3_3</c> features of the two images.</summary>
    /// <param name="output">The network's styled image, float [N, 3, H, W] in [-1, 1], on this module's device.</param>
    /// <param name="target">
    /// The wanted image, float [N, 3, H, W] in [-1, 1]; it is treated as a constant (no gradient reaches it).
    /// </param>
    /// <returns>A non-negative scalar tensor carrying the gradient to <paramref name="output"/>; the caller owns it.
    /// </returns>
    /// <exception cref="ArgumentException">A tensor is not [N, 3, H, W] or the shapes differ.</exception>
    public override Tensor forward(Tensor output, Tensor target)
    {
        ImageTensors.CheckPair(output, target);

        using var scope = NewDisposeScope();
        var outputFeatures = Features(output);
        Tensor targetFeatures;
        using (no_grad())
        {
            targetFeatures = Features(target);
        }

        var loss = nn.functional.l1_loss(outputFeatures, targetFeatures);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Returns the <c>relu3_3</c> activations [N, 256, H/4, W/4] of images in [-1, 1].</summary>
    internal Tensor Features(Tensor image)
    {
        using var scope = NewDisposeScope();
        var mean = tensor(s_mean, [1, 3, 1, 1], dtype: image.dtype, device: image.device);
        var deviation = tensor(s_standardDeviation, [1, 3, 1, 1], dtype: image.dtype, device: image.device);
        var normalized = (((image + 1) / 2) - mean) / deviation;
        var result = features.forward(normalized);
        return result.MoveToOuterDisposeScope();
    }

    private void CopyWeights(StateDictionary weights)
    {
        // Every check runs before the first copy, so a bad dictionary leaves nothing half loaded.
        var parameters = named_parameters().ToList();
        foreach (var (name, parameter) in parameters)
        {
            if (!weights.TryGetValue(name, out var source))
            {
                throw new InvalidDataException(
                    $"The VGG-16 weights lack tensor '{name}' (expected shape "
                    + $"{NamedTensor.FormatShape(ToInt(parameter.shape))}).");
            }

            if (!source.Shape.AsSpan().SequenceEqual(ToInt(parameter.shape)))
            {
                throw new InvalidDataException(
                    $"VGG-16 tensor '{name}' has shape {NamedTensor.FormatShape(source.Shape)}, expected "
                    + $"{NamedTensor.FormatShape(ToInt(parameter.shape))}.");
            }
        }

        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                var source = weights[name];
                parameter.copy_(tensor(source.Data, parameter.shape));
            }
        }

        foreach (var (_, parameter) in parameters)
        {
            parameter.requires_grad_(false);
        }

        eval();
    }

    private static int[] ToInt(long[] shape) => shape.Select(dimension => (int)dimension).ToArray();

    private static string Prepare(string name)
    {
        // Runs before TorchSharp's base constructor so that a broken native setup fails with a diagnosis.
        TorchNative.EnsureAvailable();
        return name;
    }
}
