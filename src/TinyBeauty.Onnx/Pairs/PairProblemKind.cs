namespace TinyBeauty.Onnx.Pairs;

/// <summary>What is wrong with a file that <see cref="PairFolder.Open"/> could not turn into a usable pair.</summary>
public enum PairProblemKind
{
    /// <summary>A before image has no after image of the same name; the pair is skipped.</summary>
    MissingAfter,

    /// <summary>An after image has no before image of the same name; the pair is skipped.</summary>
    MissingBefore,

    /// <summary>The header of an image or mask cannot be read (empty, not an image, corrupt or unreadable).</summary>
    UnreadableImage,

    /// <summary>The before and after images of a pair differ in width or height; the pair is skipped.</summary>
    SizeMismatch,

    /// <summary>A mask differs in width or height from its pair; the pair is kept without that mask.</summary>
    MaskSizeMismatch,

    /// <summary>A mask's file name does not read <c>&lt;name&gt;-&lt;region&gt;.png</c> for any pair name.</summary>
    OrphanMask,

    /// <summary>A file in before/, after/ or masks/ has an extension that is not accepted there.</summary>
    UnsupportedFile,

    /// <summary>Two files in the same subfolder share a name (such as a.png and a.jpg); the pair is skipped.</summary>
    DuplicateName,
}
