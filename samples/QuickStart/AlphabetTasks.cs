using Procrastinate;

namespace QuickStart;

/// <summary>Procrastinate's alphabet example: each job appends one letter to a file after a random pause.</summary>
public static partial class AlphabetTasks
{
    /// <summary>The file the letters go to.</summary>
    public static string FilePath { get; set; } = Path.Combine(Path.GetTempPath(), "procrastinate-alphabet.txt");

    /// <summary>Sleeps up to 200 ms, then appends <paramref name="letter"/> to <see cref="FilePath"/>.</summary>
    [Task(Queue = "alphabet")]
    public static partial async Task WriteAlphabet(string letter, CancellationToken cancellationToken)
    {
        await Task.Delay(Random.Shared.Next(200), cancellationToken);
        await File.AppendAllTextAsync(FilePath, letter, cancellationToken);
    }
}
