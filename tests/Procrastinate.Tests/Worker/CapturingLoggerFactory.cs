using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Procrastinate.Tests.Workers;

/// <summary>Keeps every log record, with the scope it was written in.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly AsyncLocal<object?> _scope = new();

    public ConcurrentQueue<LogRecord> Records { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal sealed record LogRecord(
        string Category, LogLevel Level, string Message, Exception? Exception, object? Scope, IReadOnlyList<KeyValuePair<string, object?>> State);

    private sealed class Logger(CapturingLoggerFactory factory, string category) : ILogger
    {
        public IDisposable BeginScope<TState>(TState state)
            where TState : notnull
        {
            var previous = factory._scope.Value;
            factory._scope.Value = state;
            return new Restore(() => factory._scope.Value = previous);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            factory.Records.Enqueue(new LogRecord(category, logLevel, formatter(state, exception), exception, factory._scope.Value, [.. fields]));
        }
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
