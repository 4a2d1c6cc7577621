namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>The alphabet example of Procrastinate's documentation on locks (docs/workers.md quotes it).</summary>
public static partial class AlphabetTasks
{
    /// <summary>The <see cref="JobContext.AdditionalContext"/> key of the file to write to.</summary>
    public const string FileKey = "alphabet.file";

    // .NET appends at the end it saw when opening the file (no O_APPEND): two workers of one process appending at the
    // same moment would write at the same offset and one letter would be lost. The test is about order, not this race.
    private static readonly Lock FileLock = new();

    /// <summary>Waits a random while, then appends <paramref name="letter"/> to the file, one writer at a time.</summary>
    [Task(Name = "tests.write_alphabet")]
    public static partial async Task WriteAlphabet(string letter, JobContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(Random.Shared.Next(100), cancellationToken);
        var path = (string)context.AdditionalContext[FileKey]!;
        lock (FileLock)
        {
            File.AppendAllText(path, letter);
        }
    }
}
