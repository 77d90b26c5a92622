using Microsoft.Extensions.Logging;

namespace TinyBeauty.Amplify.Tests.Diffusion.Pipeline;

/// <summary>A logger that keeps every event it is given, with its level, id and formatted message.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, EventId Id, string Message)> Events { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(
        LogLevel logLevel,
        EventId eventId,
        TState state,
        Exception? exception,
        Func<TState, Exception?, string> formatter) =>
        Events.Add((logLevel, eventId, formatter(state, exception)));
}
