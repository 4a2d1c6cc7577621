namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>The alphabet example of Procrastinate's documentation on locks (docs/workers.md quotes it).</summary>
public static partial class AlphabetTasks
{
    /// <summary>The <see cref="JobContext.AdditionalContext"/> key of the file to write to.</summary>
    public const string FileKey = "alphabet.file";

    /// <summary>Waits a random while, then appends <paramref name="letter"/> to the file.</summary>
    [Task(Name = "tests.write_alphabet")]
    public static partial async Task WriteAlphabet(string letter, JobContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(Random.Shared.Next(100), cancellationToken);
        var path = (string)context.AdditionalContext[FileKey]!;
        await File.AppendAllTextAsync(path, letter, cancellationToken);
    }
}
