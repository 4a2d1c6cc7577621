using Procrastinate;
using Procrastinate.Generated;
using Procrastinate.Testing;
using Procrastinate.Testing.InMemory;

namespace QuickStart.Tests;

/// <summary>Unit tests of the quick start's task, in memory: what was deferred, with its typed arguments, and a run.</summary>
public sealed class AlphabetTests : IDisposable
{
    private readonly InMemoryJobStore _store = new();
    private readonly ProcrastinateApp _app;
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"alphabet-{Guid.NewGuid():N}.txt");

    public AlphabetTests()
    {
        _app = new ProcrastinateApp(_store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(QuickStartTasks.All) });
        AlphabetTasks.FilePath = _file;
    }

    [Fact]
    public async Task DeferringLetters_StoresOneJobPerLetter_WithTypedArgumentsAndTheLock()
    {
        foreach (var letter in new[] { "a", "b", "c" })
        {
            await WriteAlphabet.Configure(@lock: "alphabet.txt", app: _app).DeferAsync(letter);
        }

        Assert.Equal(["a", "b", "c"], _store.Deferred(WriteAlphabet.Handle).Select(args => args.Letter));
        Assert.All(_store.Jobs(WriteAlphabet.Handle), job => Assert.Equal(("alphabet", "alphabet.txt"), (job.Job.Queue, job.Job.Lock)));
    }

    [Fact]
    public async Task RunningEveryPendingJob_WithOneLock_WritesTheLettersInOrder()
    {
        foreach (var letter in new[] { "a", "b", "c", "d" })
        {
            await WriteAlphabet.Configure(@lock: "alphabet.txt", app: _app).DeferAsync(letter);
        }

        var ran = await _app.RunUntilIdleAsync(options: new WorkerOptions { Concurrency = 4 });

        Assert.Equal(4, ran);
        Assert.Equal("abcd", await File.ReadAllTextAsync(_file));
        Assert.Empty(_store.Deferred(WriteAlphabet.Handle));
    }

    public void Dispose() => File.Delete(_file);
}
