using System.Runtime.InteropServices;
using TinyBeauty.Amplify.Diffusion.Pipeline;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

public sealed class DiffusionMemoryTests
{
    [Fact]
    public void IsOutOfMemory_LibtorchAllocationFailure_IsRecognised()
    {
        // 2^42 floats are 16 TiB: libtorch's CPU allocator refuses them at once, without touching memory.
        var failure = Assert.ThrowsAny<Exception>(() => empty([1L << 42], ScalarType.Float32).Dispose());

        Assert.True(DiffusionMemory.IsOutOfMemory(failure), failure.GetType().Name + ": " + failure.Message);
    }

    [Fact]
    public void IsOutOfMemory_OtherFailures_AreNotRecognised()
    {
        Assert.False(DiffusionMemory.IsOutOfMemory(new ExternalException("shape mismatch in conv2d")));
        Assert.False(DiffusionMemory.IsOutOfMemory(new InvalidDataException("out of range")));
        Assert.True(DiffusionMemory.IsOutOfMemory(new OutOfMemoryException()));
    }

    [Fact]
    public void Exhausted_NamesTheWorkAndWhatIsKept()
    {
        var inner = new OutOfMemoryException();

        var exception = DiffusionMemory.Exhausted("fine-tuning step 3 at 512 x 512 on cpu", "The checkpoint is intact.",
            inner);

        Assert.Contains("Out of memory during fine-tuning step 3 at 512 x 512 on cpu.", exception.Message,
            StringComparison.Ordinal);
        Assert.Contains("The checkpoint is intact.", exception.Message, StringComparison.Ordinal);
        Assert.Same(inner, exception.InnerException);
    }
}
