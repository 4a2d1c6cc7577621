using Procrastinate.PostgreSql.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>Procrastinate's lock example: four letters written by two workers, in order only with a lock.</summary>
public sealed class AlphabetTests : PostgresTest, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("procrastinate-alphabet-").FullName;
    private readonly ITestOutputHelper _output;

    public AlphabetTests(DatabaseFixture database, ITestOutputHelper output)
        : base(database)
    {
        _output = output;
    }

    [Fact]
    public async Task FourLettersWithOneLock_TwoWorkers_AlwaysReadAbcd()
    {
        for (var round = 0; round < 5; round++)
        {
            Assert.Equal("abcd", await WriteAsync(round, @lock: "alphabet.txt"));
        }
    }

    [Fact]
    public async Task FourLettersWithoutALock_TwoWorkers_ComeOutOfOrderInSomeRound()
    {
        // Each round is out of order with a probability of about one half or more (the first two letters start
        // together and sleep at random): twenty rounds all in order would be a one-in-a-million event.
        var results = new List<string>();
        for (var round = 0; round < 20 && results.All(r => r == "abcd"); round++)
        {
            results.Add(await WriteAsync(round, @lock: null));
        }

        _output.WriteLine(string.Join(", ", results));
        Assert.All(results, r => Assert.Equal("abcd", string.Concat(r.Order())));
        Assert.Contains(results, r => r != "abcd");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> WriteAsync(int round, string? @lock)
    {
        var path = Path.Combine(_directory, $"alphabet-{round}.txt");
        await using var harness = new WorkerHarness(Store);
        var context = new Dictionary<string, object?> { [AlphabetTasks.FileKey] = path };
        var options = new WorkerOptions { AdditionalContext = context, FetchJobPollingInterval = TimeSpan.FromMilliseconds(50) };
        await harness.StartAsync(options with { Name = "first" });
        await harness.StartAsync(options with { Name = "second" });

        var ids = await WriteAlphabet.Configure(@lock: @lock, app: harness.App).BatchDeferAsync(["a", "b", "c", "d"]);

        await harness.WaitForStatusAsync(ids, JobStatus.Succeeded);
        return await File.ReadAllTextAsync(path);
    }
}
