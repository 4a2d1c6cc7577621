using Microsoft.Extensions.Logging;
using Procrastinate;

namespace HostedWorker;

public static partial class EmailTasks
{
    // region: task
    [Task(Name = "hosted_worker.send_welcome_email", Queue = "emails", Retry = 3)]
    public static partial async Task SendWelcomeEmail(string address, JobContext context, CancellationToken cancellationToken)
    {
        var logger = context.App.LoggerFactory.CreateLogger("HostedWorker.Emails");
        await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        Log.Sent(logger, address, context.Job.Id);
    }
    // endregion

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Sent the welcome email to {Address} (job {JobId})")]
        public static partial void Sent(ILogger logger, string address, long jobId);
    }
}
