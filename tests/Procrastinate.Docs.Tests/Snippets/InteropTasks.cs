using System.Collections.Concurrent;

namespace Procrastinate.Docs.Tests.Snippets;

/// <summary>The task of docs/python-interop.md: the same task as a Python Procrastinate app declares.</summary>
public static partial class InteropTasks
{
    /// <summary>The emails sent.</summary>
    public static ConcurrentQueue<string> Sent { get; } = new();

    [Task(Name = "myproject.tasks.send_email", Queue = "emails")]
    public static partial void SendEmail(
        [TaskArgument("to_address")] string toAddress,
        string subject,
        [TaskArgument("cc_addresses")] List<string>? ccAddresses = null) =>
        Sent.Enqueue($"{subject} to {toAddress}, cc {ccAddresses?.Count ?? 0}");
}
