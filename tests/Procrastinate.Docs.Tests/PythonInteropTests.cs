using Procrastinate.Docs.Tests.Snippets;
using Procrastinate.Testing;

namespace Procrastinate.Docs.Tests;

/// <summary>The code of docs/python-interop.md: jobs as Python Procrastinate writes and reads them.</summary>
public class PythonInteropTests
{
    private readonly DocsApp _docs = new();

    [Fact]
    public async Task JobDeferredFromCSharp_HasPythonsKeys()
    {
        await SendEmail.DeferAsync("ann@example.com", "Welcome", ["bob@example.com"]);

        var job = Assert.Single(_docs.Store.Jobs(new Storage.JobFilter { TaskName = "myproject.tasks.send_email" }));
        Assert.Equal("emails", job.Queue);
        Assert.Equal("""{"subject": "Welcome", "to_address": "ann@example.com", "cc_addresses": ["bob@example.com"]}""", job.Args);
    }

    [Fact]
    public async Task JobDeferredByPython_RunsInCSharp()
    {
        // What `send_email.defer(to_address="ann@example.com", subject="Welcome")` inserts on the Python side:
        var args = """{"to_address": "ann@example.com", "subject": "Welcome"}""";
        await _docs.App.DeferByNameAsync("myproject.tasks.send_email", args);

        Assert.Equal(1, await _docs.App.RunUntilIdleAsync());
        Assert.Contains("Welcome to ann@example.com, cc 0", InteropTasks.Sent);
    }

    [Fact]
    public async Task UnknownKey_FailsTheJob()
    {
        // As if a Python app named the argument `to` instead of `to_address`.
        var ids = await _docs.Store.DeferJobsAsync(
            [_docs.App.CreateJob(SendEmail.Definition, """{"to": "ann@example.com", "subject": "Welcome"}""")]);

        await _docs.App.RunUntilIdleAsync();

        Assert.Equal(JobStatus.Failed, await _docs.Store.GetJobStatusAsync(ids[0]));
    }
}
