// Uses the packed TinyBeauty packages as an application would: builds a small network's weights, exports them to
// ONNX with TinyBeauty.Model (managed code, no libtorch), and makes up a photo with TinyBeauty.Onnx, then with
// each style embedded in the package.
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TinyBeauty.Model;
using TinyBeauty.Model.Checkpoints;
using TinyBeauty.Model.Export;
using TinyBeauty.Onnx;
using TinyBeauty.Onnx.Styles;

var options = new TinyBeautyNetOptions { Width = 8, EncoderResidualBlocks = 1, DecoderResidualBlocks = 1 };
var random = new Random(42);
var weights = new StateDictionary();
foreach (var (name, shape) in options.DescribeParameters())
{
    var values = new float[shape.Aggregate(1, (product, dimension) => product * dimension)];
    for (var index = 0; index < values.Length; index++)
    {
        values[index] = name.EndsWith("gamma", StringComparison.Ordinal) ? 1f : (random.NextSingle() - 0.5f) * 0.2f;
    }

    weights.Add(new NamedTensor(name, shape, values));
}

using var session = MakeupSession.Load(OnnxExporter.ExportToBytes(weights, options));
using var photo = new Image<Rgb24>(320, 240, new Rgb24(200, 150, 130));
session.Apply(photo, intensity: 0.8f);

var pixel = photo[160, 120];
Console.WriteLine($"made up a {photo.Width}x{photo.Height} photo with the packed packages; centre pixel {pixel}");
if (pixel == new Rgb24(200, 150, 130))
{
    return 1;
}

foreach (var style in DefaultStyles.All)
{
    using var styled = DefaultStyles.Load(style.Name);
    using var face = new Image<Rgb24>(256, 256, new Rgb24(200, 150, 130));
    styled.Apply(face);
    Console.WriteLine($"embedded style {style.Name}: {style.Description}");
}

return DefaultStyles.All.Count >= 3 ? 0 : 1;
