using System.Collections.Concurrent;

namespace Procrastinate.Testing.Tests.Sample;

/// <summary>A small application's tasks, compiled by the real generator (an analyzer of this project).</summary>
public static partial class AlphabetTasks
{
    /// <summary>What the tasks did, per test run (each test uses its own key).</summary>
    public static ConcurrentDictionary<string, ConcurrentQueue<string>> Written { get; } = new();

    [Task(Name = "sample.write_alphabet", Queue = "letters")]
    public static partial void WriteAlphabet(string letter, string book = "main") =>
        Written.GetOrAdd(book, _ => new ConcurrentQueue<string>()).Enqueue(letter);

    /// <summary>Fails the first time for a given book, then succeeds; retried a minute later.</summary>
    [Task(Name = "sample.flaky_letter", Retry = 3, RetryWaitSeconds = 60)]
    public static partial void FlakyLetter(string letter, string book)
    {
        var written = Written.GetOrAdd(book, _ => new ConcurrentQueue<string>());
        written.Enqueue("try " + letter);
        if (written.Count(w => w == "try " + letter) == 1)
        {
            throw new IOException("the printer jammed");
        }
    }
}
