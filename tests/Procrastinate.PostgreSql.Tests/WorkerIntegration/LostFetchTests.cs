using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;
using Procrastinate.Tests.Workers;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// A fetch whose answer is lost (the connection breaks after PostgreSQL committed it): the jobs it took are doing
/// under a worker that is alive, so stalled-job recovery never frees them. The worker must run them itself.
/// </summary>
public sealed class LostFetchTests : PostgresTest
{
    public LostFetchTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task FetchCommittedButItsAnswerLost_TheJobsItTookRunOnThatWorker()
    {
        var store = new LosesFirstFetchAnswer(Store);
        await using var harness = new WorkerHarness(store);
        var ids = await Work.Configure(app: harness.App).BatchDeferAsync([1, 2, 3]);

        await harness.StartAsync(new WorkerOptions { Concurrency = 2 });

        await harness.WaitForStatusAsync(ids, JobStatus.Succeeded);
        Assert.Equal(2, store.Lost.Count);
        Assert.All(ids, id => Assert.Equal(1, harness.Probe.RunCount(id)));
        Assert.Contains(harness.Messages(), m => m.StartsWith("Running 2 job(s) that a failed fetch had started in the store", StringComparison.Ordinal));
    }

    private sealed class LosesFirstFetchAnswer(IJobStore inner) : DelegatingJobStore(inner)
    {
        public List<long> Lost { get; } = [];

        public override async ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default)
        {
            var jobs = await base.FetchJobsAsync(parameters, cancellationToken);
            if (Lost.Count == 0 && jobs.Count > 0)
            {
                Lost.AddRange(jobs.Select(j => j.Id));
                throw new IOException("The connection broke before the fetch's rows arrived.");
            }

            return jobs;
        }
    }
}
