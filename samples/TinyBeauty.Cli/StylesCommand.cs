using System.CommandLine;
using TinyBeauty.Onnx.Styles;

namespace TinyBeauty.Cli;

/// <summary>
/// <c>styles</c>: lists the embedded styles, one per line as <c>&lt;name&gt;&lt;TAB&gt;&lt;description&gt;</c>.
/// </summary>
internal static class StylesCommand
{
    public static Command Create()
    {
        var command = new Command("styles", "List the embedded styles: name, a tab, and a description.");
        command.SetAction(_ => CliRunner.Run(_ =>
        {
            foreach (var style in DefaultStyles.All)
            {
                Console.WriteLine($"{style.Name}\t{style.Description}");
            }

            return 0;
        }));
        return command;
    }
}
