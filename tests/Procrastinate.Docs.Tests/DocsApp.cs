using Microsoft.Extensions.Time.Testing;
using Procrastinate.Generated;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Docs.Tests;

/// <summary>An in-memory app with a movable clock, set as <see cref="ProcrastinateApp.Default"/> like an application's.</summary>
internal sealed class DocsApp
{
    public DocsApp()
    {
        Store = new InMemoryJobStore(Clock);
        App = new ProcrastinateApp(Store, new ProcrastinateAppOptions
        {
            Tasks = new TaskRegistry(ProcrastinateDocsTestsTasks.All),
            TimeProvider = Clock,
        });
        ProcrastinateApp.Default = App;
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public InMemoryJobStore Store { get; }

    public ProcrastinateApp App { get; }
}
