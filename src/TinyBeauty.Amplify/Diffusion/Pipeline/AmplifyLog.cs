using Microsoft.Extensions.Logging;

namespace TinyBeauty.Amplify.Diffusion.Pipeline;

/// <summary>
/// The log events of the diffusion amplifier, defined once so that a disabled level costs one check. Event ids are
/// fixed: 1xx for fine-tuning, 2xx for generation; they do not change between versions.
/// </summary>
internal static class AmplifyLog
{
    private static readonly Action<ILogger, int, int, int, Exception?> s_finetuneStarted =
        LoggerMessage.Define<int, int, int>(
            LogLevel.Information,
            new EventId(100, "FinetuneStarted"),
            "Fine-tuning on {Pairs} seed pairs: steps {FirstStep} to {TotalSteps}");

    private static readonly Action<ILogger, int, string, Exception?> s_checkpointWritten =
        LoggerMessage.Define<int, string>(
            LogLevel.Debug,
            new EventId(101, "CheckpointWritten"),
            "Checkpoint of step {Step} written to {Path}");

    private static readonly Action<ILogger, string, string, Exception?> s_seedSkipped =
        LoggerMessage.Define<string, string>(
            LogLevel.Warning,
            new EventId(102, "SeedSkipped"),
            "Seed pair {Path} skipped: {Reason}");

    private static readonly Action<ILogger, int, double, Exception?> s_finetuneFinished =
        LoggerMessage.Define<int, double>(
            LogLevel.Information,
            new EventId(103, "FinetuneFinished"),
            "Fine-tuning finished after step {Step}; last loss {Loss}");

    private static readonly Action<ILogger, string, int, Exception?> s_pairsWritten =
        LoggerMessage.Define<string, int>(
            LogLevel.Debug,
            new EventId(200, "PairsWritten"),
            "{Photo}: {Faces} pairs written");

    private static readonly Action<ILogger, string, Exception?> s_photoAlreadyDone =
        LoggerMessage.Define<string>(
            LogLevel.Debug,
            new EventId(201, "PhotoAlreadyDone"),
            "{Photo}: pairs already present, skipped");

    private static readonly Action<ILogger, string, string, Exception?> s_photoSkipped =
        LoggerMessage.Define<string, string>(
            LogLevel.Warning,
            new EventId(202, "PhotoSkipped"),
            "Photo {Path} skipped: {Reason}");

    public static void FinetuneStarted(ILogger logger, int pairs, int firstStep, int totalSteps) =>
        s_finetuneStarted(logger, pairs, firstStep, totalSteps, null);

    public static void CheckpointWritten(ILogger logger, int step, string path) =>
        s_checkpointWritten(logger, step, path, null);

    public static void SeedSkipped(ILogger logger, DiffusionProblem problem) =>
        s_seedSkipped(logger, problem.Path, problem.Reason, null);

    public static void FinetuneFinished(ILogger logger, int step, double loss) =>
        s_finetuneFinished(logger, step, loss, null);

    public static void PairsWritten(ILogger logger, string photo, int faces) =>
        s_pairsWritten(logger, photo, faces, null);

    public static void PhotoAlreadyDone(ILogger logger, string photo) => s_photoAlreadyDone(logger, photo, null);

    public static void PhotoSkipped(ILogger logger, DiffusionProblem problem) =>
        s_photoSkipped(logger, problem.Path, problem.Reason, null);
}
