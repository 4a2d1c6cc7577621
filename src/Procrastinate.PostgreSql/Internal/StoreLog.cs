using Microsoft.Extensions.Logging;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>Log records of the store itself (the listener has its own).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning,
        Message = "Reading the trace contexts of {JobCount} fetched job(s) failed; they run without a link to the span that deferred them")]
    public static partial void TraceContextsUnavailable(ILogger logger, int jobCount, Exception exception);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "Extension {ObjectName} present: {Present}; {Use} when present")]
    public static partial void ExtensionChecked(ILogger logger, string objectName, bool present, string use);
}
