using System.CommandLine;
using Procrastinate.Cli.Internal;
using Procrastinate.Storage;

namespace Procrastinate.Cli.Commands;

/// <summary>The filters of the listings: <c>--queue</c>, <c>--task</c>, <c>--status</c>, <c>--lock</c>, and for jobs also id, queueing lock and worker.</summary>
internal sealed class JobFilterOptions
{
    private readonly bool _forJobs;

    public JobFilterOptions(bool forJobs)
    {
        _forJobs = forJobs;
        Status.AcceptOnlyFromAmong("todo", "doing", "succeeded", "failed", "cancelled", "aborted");
    }

    public Option<long?> Id { get; } = new("--id") { Description = "Only this job" };

    public Option<string?> Queue { get; } = new("--queue") { Description = "Only this queue" };

    public Option<string?> Task { get; } = new("--task") { Description = "Only this task name" };

    public Option<string?> Status { get; } = new("--status") { Description = "Only this status" };

    public Option<string?> Lock { get; } = new("--lock") { Description = "Only this lock" };

    public Option<string?> QueueingLock { get; } = new("--queueing-lock") { Description = "Only this queueing lock" };

    public Option<long?> Worker { get; } = new("--worker") { Description = "Only jobs of this worker id" };

    public void AddTo(Command command)
    {
        if (_forJobs)
        {
            command.Options.Add(Id);
        }

        command.Options.Add(Queue);
        command.Options.Add(Task);
        command.Options.Add(Status);
        command.Options.Add(Lock);
        if (_forJobs)
        {
            command.Options.Add(QueueingLock);
            command.Options.Add(Worker);
        }
    }

    public JobFilter Read(CliContext context)
    {
        var parse = context.ParseResult;
        JobStatus? status = parse.GetValue(Status) is { } name ? JobStatusNames.Parse(name) : null;
        return new JobFilter
        {
            Id = _forJobs ? parse.GetValue(Id) : null,
            Queue = parse.GetValue(Queue),
            TaskName = parse.GetValue(Task),
            Status = status,
            Lock = parse.GetValue(Lock),
            QueueingLock = _forJobs ? parse.GetValue(QueueingLock) : null,
            WorkerId = _forJobs ? parse.GetValue(Worker) : null,
        };
    }
}
