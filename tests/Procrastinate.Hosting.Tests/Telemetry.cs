using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Procrastinate.Diagnostics;

namespace Procrastinate.Hosting.Tests;

/// <summary>Collects the spans and measurements of the "Procrastinate" source and meter while it lives.</summary>
public sealed class Telemetry : IDisposable
{
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();

    public Telemetry()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ProcrastinateInstrumentation.Name or TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ProcrastinateInstrumentation.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
    }

    // By name: the listener is asked about the source while the source's own static initializer runs.
    public const string TestSourceName = "Procrastinate.Hosting.Tests";

    public static ActivitySource TestSource { get; } = new(TestSourceName);

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    /// <summary>The sum of an instrument's measurements whose task tag is <paramref name="taskName"/>.</summary>
    public double Sum(string instrument, string taskName) =>
        Measurements.Where(m => m.Instrument == instrument && m.Tag("procrastinate.task.name") == taskName).Sum(m => m.Value);

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray()));

    public sealed record Measurement(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)
    {
        public string? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key).Value?.ToString();
    }
}
