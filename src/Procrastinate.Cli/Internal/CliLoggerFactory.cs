using Microsoft.Extensions.Logging;

namespace Procrastinate.Cli.Internal;

/// <summary>
/// The command line's own log output: one line per record on a writer (standard error), as Procrastinate's
/// <c>LEVEL:logger:message</c>, at the level <c>-v</c> chose. Writes are serialized; scopes are not shown.
/// </summary>
internal sealed class CliLoggerFactory : ILoggerFactory
{
    private readonly TextWriter _writer;
    private readonly LogLevel _minimum;
    private readonly object _gate = new();

    public CliLoggerFactory(TextWriter writer, LogLevel minimum)
    {
        _writer = writer;
        _minimum = minimum;
    }

    /// <summary>Procrastinate's mapping: no <c>-v</c> is information, one is debug, two or more is trace.</summary>
    public static LogLevel LevelFor(int verbosity) => verbosity switch
    {
        <= 0 => LogLevel.Information,
        1 => LogLevel.Debug,
        _ => LogLevel.Trace,
    };

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("The command line's logger takes no providers; set ProcrastinateCliOptions.LoggerFactory instead.");

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = $"{Name(level)}:{category}:{message}";
        if (exception is not null)
        {
            line += _minimum <= LogLevel.Debug ? Environment.NewLine + exception : ": " + exception.Message;
        }

        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    private sealed class Logger : ILogger
    {
        private readonly CliLoggerFactory _factory;
        private readonly string _category;

        public Logger(CliLoggerFactory factory, string category)
        {
            _factory = factory;
            _category = category;
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= _factory._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _factory.Write(logLevel, _category, formatter(state, exception), exception);
            }
        }
    }
}
