using System.Runtime.InteropServices;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// Recognises allocation failures of the managed heap and of libtorch, so that a run that needs more memory than the
/// machine has ends with one message that says so instead of a native error text.
/// </summary>
internal static class DiffusionMemory
{
    // libtorch reports a failed allocation as a native error whose text depends on the allocator: the CPU allocator
    // says "can't allocate memory", CUDA's caching allocator "CUDA out of memory", others "out of memory".
    private static readonly string[] s_nativeMarkers =
        ["out of memory", "can't allocate memory", "cannot allocate memory", "not enough memory"];

    /// <summary>Gets whether <paramref name="exception"/> reports a failed allocation.</summary>
    /// <param name="exception">The exception to classify.</param>
    /// <returns>True for <see cref="OutOfMemoryException"/> and libtorch's allocation errors.</returns>
    public static bool IsOutOfMemory(Exception exception) => exception switch
    {
        OutOfMemoryException => true,
        ExternalException external => s_nativeMarkers.Any(
            marker => external.Message.Contains(marker, StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    /// <summary>Wraps an allocation failure into one <see cref="InsufficientMemoryException"/>.</summary>
    /// <param name="work">What was running, such as "fine-tuning step 12 at 512 x 512 on cpu".</param>
    /// <param name="kept">What is still safe on disk.</param>
    /// <param name="inner">The allocation failure.</param>
    /// <returns>The exception to throw.</returns>
    public static InsufficientMemoryException Exhausted(string work, string kept, Exception inner) =>
        new($"Out of memory during {work}. {kept} Use a smaller size, close other programs, or run on a device "
            + "with more memory.", inner);
}
