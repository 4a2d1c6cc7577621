using System.Collections;
using System.Globalization;

namespace Procrastinate;

/// <summary>The structured fields of every log record about one job: id, task, queue, attempts, worker.</summary>
internal sealed class JobLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly Job _job;
    private readonly string _workerName;
    private readonly long _workerId;

    public JobLogScope(Job job, string workerName, long workerId)
    {
        _job = job;
        _workerName = workerName;
        _workerId = workerId;
    }

    public int Count => 6;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("JobId", _job.Id),
        1 => new("TaskName", _job.TaskName),
        2 => new("Queue", _job.Queue),
        3 => new("Attempts", _job.Attempts),
        4 => new("WorkerName", _workerName),
        5 => new("WorkerId", _workerId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"job {_job.Id}, task {_job.TaskName}, queue {_job.Queue}, attempts {_job.Attempts}");
}
