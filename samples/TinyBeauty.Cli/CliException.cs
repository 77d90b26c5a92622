namespace TinyBeauty.Cli;

/// <summary>A user error: the CLI prints its message on one line and exits with a non-zero code.</summary>
internal sealed class CliException(string message) : Exception(message);
