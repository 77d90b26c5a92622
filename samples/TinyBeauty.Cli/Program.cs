using System.CommandLine;
using TinyBeauty.Cli;

var root = new RootCommand("TinyBeauty: tiny, fast facial makeup transfer.")
{
    ApplyCommand.Create(),
    ExportCommand.Create(),
    BenchCommand.Create(),
    TrainCommand.Create(),
    MasksCommand.Create(),
    AmplifyCommand.Create(),
    StylesCommand.Create(),
    EvaluateCommand.Create(),
};

return root.Parse(args).Invoke();
