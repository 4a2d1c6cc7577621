using Procrastinate.Storage;

namespace Procrastinate.Tests.Workers;

/// <summary>
/// Wraps a store and makes the worker's calls throw, as during a database outage, while <see cref="Down"/> is set
/// (or for the next <see cref="FailNext"/> calls of one operation).
/// </summary>
internal sealed class FlakyJobStore(IJobStore inner) : DelegatingJobStore(inner)
{
    private readonly Dictionary<string, int> _failNext = [];
    private readonly Dictionary<string, int> _failures = [];

    /// <summary>While set, every call the worker makes throws.</summary>
    public volatile bool Down;

    public int Failures(string operation)
    {
        lock (_failNext)
        {
            return _failures.GetValueOrDefault(operation);
        }
    }

    public void FailNext(string operation, int times)
    {
        lock (_failNext)
        {
            _failNext[operation] = times;
        }
    }

    protected override void OnCall(string operation)
    {
        lock (_failNext)
        {
            var scripted = _failNext.GetValueOrDefault(operation);
            if (scripted > 0)
            {
                _failNext[operation] = scripted - 1;
            }
            else if (!Down)
            {
                return;
            }

            _failures[operation] = _failures.GetValueOrDefault(operation) + 1;
        }

        throw new TimeoutException($"{operation}: the database is down (test).");
    }
}
