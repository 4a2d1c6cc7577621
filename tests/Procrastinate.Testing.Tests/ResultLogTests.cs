using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Procrastinate.Generated;
using Procrastinate.Testing.Tests.Sample;

namespace Procrastinate.Testing.Tests;

/// <summary>
/// A task's result is logged in its job's end line with a structured <c>Result</c> field, as Procrastinate logs it,
/// and not stored: the same on both stores (issue #19).
/// </summary>
public sealed class ResultLogTests : BothStoresTest
{
    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task TheResult_IsInTheJobsEndLine_AndItsResultField(string storeName)
    {
        var logs = new CapturingLoggerFactory();
        var app = new ProcrastinateApp(await StoreAsync(storeName), new ProcrastinateAppOptions
        {
            Tasks = new TaskRegistry(ProcrastinateTestingTestsTasks.All),
            LoggerFactory = logs,
        });
        var key = Guid.NewGuid().ToString("N");
        MiddlewareTasks.Trail[key] = new();
        var id = await Wrapped.Configure(app: app).DeferAsync(key);

        Assert.Equal(1, await app.RunUntilIdleAsync());

        var line = Assert.Single(logs.Records, r => r.Message.Contains("ended with status", StringComparison.Ordinal));
        Assert.StartsWith($"Job testing.middleware.wrapped[{id}]", line.Message, StringComparison.Ordinal);
        Assert.Matches(@"ended with status: Success, lasted \d+\.\d{3} s - Result: " + key.ToUpperInvariant() + "$", line.Message);
        Assert.Contains(line.State, f => f.Key == "Result" && (string?)f.Value == key.ToUpperInvariant());
    }

    private sealed record LogRecord(string Message, IReadOnlyList<KeyValuePair<string, object?>> State);

    /// <summary>Keeps every log line with its structured fields.</summary>
    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        public ConcurrentQueue<LogRecord> Records { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerFactory factory) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                factory.Records.Enqueue(new LogRecord(
                    formatter(state, exception),
                    state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
        }
    }
}
