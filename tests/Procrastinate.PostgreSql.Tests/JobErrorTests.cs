using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>The opt-in error table <c>procrastinate_dotnet_job_errors</c> (schema --extension job-errors).</summary>
public sealed class JobErrorTests : PostgresTest
{
    public JobErrorTests(DatabaseFixture database)
        : base(database)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Store.Schema.ApplyJobErrorTableAsync();
    }

    [Fact]
    public async Task FailedAndRetriedAttempts_KeepTheirErrors_ByAttempt()
    {
        var (id, worker) = await StartJobAsync();
        await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow) { Error = JobError.From(Thrown(new IOException("disk full"))) });
        Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null)));
        await Store.FinishAndFetchJobsAsync(
            [new JobCompletion(id, JobStatus.Failed, false) { Error = new JobError("System.TimeoutException", "too slow", null) }],
            new FetchJobsParams(worker, null));

        var errors = await Store.ListJobErrorsAsync(id);

        Assert.NotNull(errors);
        Assert.Equal([1, 2], errors.Select(e => e.Attempt));
        Assert.Equal(("System.IO.IOException", "disk full"), (errors[0].Error.Type, errors[0].Error.Message));
        Assert.StartsWith("System.IO.IOException: disk full", errors[0].Error.Details, StringComparison.Ordinal);
        Assert.Contains(nameof(Thrown), errors[0].Error.Details, StringComparison.Ordinal);
        Assert.Equal(new JobError("System.TimeoutException", "too slow", null), errors[1].Error);
        Assert.Equal(2, (await GetJobAsync(id)).Attempts);
    }

    [Theory]
    [InlineData("batch")]
    [InlineData("fetch")]
    [InlineData("retry")]
    public async Task ADroppedOutcome_RecordsNoError_OnTheRunOfTheWorkerNowHoldingTheJob(string path)
    {
        var (id, a) = await StartJobAsync();
        var (other, _) = await StartJobAsync(Job(queue: "other"));
        await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow.AddSeconds(-1)));
        var b = await Store.RegisterWorkerAsync();
        Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(b, ["default"])));
        var stale = new JobError("E", "stale", null);

        switch (path)
        {
            case "batch":
                await Store.FinishJobsAsync(
                [
                    new JobCompletion(id, JobStatus.Failed, false) { Error = stale, WorkerId = a },
                    new JobCompletion(other, JobStatus.Failed, false) { Error = new JobError("E", "applied", null), WorkerId = null },
                ]);
                break;
            case "fetch":
                await Store.FinishAndFetchJobsAsync([new JobCompletion(id, JobStatus.Failed, false) { Error = stale, WorkerId = a }], new FetchJobsParams(a, ["none"]));
                break;
            default:
                await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow) { Error = stale, WorkerId = a });
                break;
        }

        Assert.Empty((await Store.ListJobErrorsAsync(id))!);
        Assert.Equal((JobStatus.Doing, (long?)b, 1), ((await GetJobAsync(id)).Status, (await GetJobAsync(id)).WorkerId, (await GetJobAsync(id)).Attempts));
        Assert.Equal(path == "batch" ? 1 : 0, (await Store.ListJobErrorsAsync(other))!.Count);
    }

    [Fact]
    public async Task SucceededOrDeletedJobs_AndRetriesWithoutAnError_RecordNone_AndRowsGoWithTheirJob()
    {
        var (succeeded, worker) = await StartJobAsync(Job(queue: "a"));
        var (deleted, _) = await StartJobAsync(Job(queue: "b"));
        var (failed, _) = await StartJobAsync(Job(queue: "c"));
        await Store.FinishJobsAsync(
        [
            new JobCompletion(succeeded, JobStatus.Succeeded, false),
            new JobCompletion(deleted, JobStatus.Failed, true) { Error = new JobError("E", "deleted with its job", null) },
            new JobCompletion(failed, JobStatus.Failed, false) { Error = new JobError("E", "kept", null) },
        ]);
        await Store.RetryJobAsync(new RetryJobParams(failed, DateTimeOffset.UtcNow));

        Assert.Empty((await Store.ListJobErrorsAsync(succeeded))!);
        Assert.Empty((await Store.ListJobErrorsAsync(deleted))!);
        Assert.Equal("kept", Assert.Single((await Store.ListJobErrorsAsync(failed))!).Error.Message);
        Assert.Equal(1, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_job_errors"));

        // Python Procrastinate deletes jobs with plain SQL: the errors go with them.
        await Database.ExecuteAsync("DELETE FROM procrastinate_jobs WHERE id = $1", failed);
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_job_errors"));
        Assert.NotEqual(0, worker);
    }

    [Fact]
    public async Task LongTexts_AreCutToTheirBounds_WithTheirLengthNoted()
    {
        var (id, _) = await StartJobAsync();
        var message = new string('m', 50_000);
        await Store.FinishJobsAsync(
            [new JobCompletion(id, JobStatus.Failed, false) { Error = new JobError(new string('t', 1_000), message, new string('d', 100_000)) }]);

        var error = Assert.Single((await Store.ListJobErrorsAsync(id))!).Error;

        Assert.Equal(JobError.MaxTypeLength, error.Type.Length);
        Assert.Equal(JobError.MaxMessageLength, error.Message.Length);
        Assert.EndsWith("… (50000 characters)", error.Message, StringComparison.Ordinal);
        Assert.Equal(JobError.MaxDetailsLength, error.Details!.Length);
        Assert.EndsWith("… (100000 characters)", error.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheStoresConnectionSecrets_NeverReachTheTable()
    {
        // Trust authentication ignores the password, so the store connects with it all the same.
        const string Secret = "s3cret-Pa55word";
        var connectionString = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Password = Secret }.ConnectionString;
        await using var store = new PostgreSqlJobStore(connectionString);
        var id = (await store.DeferJobsAsync([Job()]))[0];
        var worker = await store.RegisterWorkerAsync();
        Assert.Single(await store.FetchJobsAsync(new FetchJobsParams(worker, null)));

        await store.FinishJobsAsync(
            [new JobCompletion(id, JobStatus.Failed, false) { Error = new JobError("E", $"could not log in with Password={Secret}", $"at Connect({Secret})") }]);

        var error = Assert.Single((await store.ListJobErrorsAsync(id))!).Error;
        Assert.Equal("could not log in with Password=(not shown)", error.Message);
        Assert.Equal("at Connect((not shown))", error.Details);
        Assert.Equal(0, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM procrastinate_dotnet_job_errors WHERE message LIKE '%' || $1 || '%' OR details LIKE '%' || $1 || '%'", Secret));
    }

    [Fact]
    public async Task WithoutTheTable_OutcomesAreRecordedWithoutErrors_AndTheListIsNull()
    {
        var (first, worker) = await StartJobAsync(Job(queue: "a"));
        await Store.FinishJobsAsync([new JobCompletion(first, JobStatus.Failed, false) { Error = new JobError("E", "recorded", null) }]);
        Assert.Single((await Store.ListJobErrorsAsync(first))!);

        // Dropped while the store believes it is there: the failure is recorded all the same, without its error.
        await Database.ExecuteAsync("DROP TABLE procrastinate_dotnet_job_errors");
        var (second, _) = await StartJobAsync(Job(queue: "b"));
        var (third, _) = await StartJobAsync(Job(queue: "c"));
        await Store.RetryJobAsync(new RetryJobParams(second, DateTimeOffset.UtcNow) { Error = new JobError("E", "lost", null) });
        await Store.FinishAndFetchJobsAsync(
            [new JobCompletion(third, JobStatus.Failed, false) { Error = new JobError("E", "lost", null) }], new FetchJobsParams(worker, ["none"]));

        Assert.Equal(JobStatus.Todo, (await GetJobAsync(second)).Status);
        Assert.Equal(JobStatus.Failed, (await GetJobAsync(third)).Status);
        Assert.Null(await Store.ListJobErrorsAsync(first));
        Assert.Null(await Store.ListJobErrorsAsync(third));
    }

    [Fact]
    public async Task EveryJobErrorQuery_PreparesOnTheServer()
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        Assert.Equal(3, SqlQueries.JobErrorStatements.Count);
        foreach (var (name, sql) in SqlQueries.JobErrorStatements)
        {
            await using var prepare = new NpgsqlCommand($"PREPARE check_{name} AS {sql}", connection);
            await prepare.ExecuteNonQueryAsync();
            await using var deallocate = new NpgsqlCommand($"DEALLOCATE check_{name}", connection);
            await deallocate.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task ErrorTable_LeavesTheContractCheckValid_AndIsListedAsOurs()
    {
        var result = await Store.Schema.CheckSchemaAsync();

        Assert.True(result.IsValid, string.Join("; ", result.Differences));
        Assert.Contains(result.Ours, o => o.Name.StartsWith("procrastinate_dotnet_job_errors", StringComparison.Ordinal));
    }

    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }
}
