namespace Procrastinate.Testing.Tests.Sample;

/// <summary>Application code that defers jobs: what a user's unit test exercises.</summary>
public sealed class AlphabetService
{
    private readonly ProcrastinateApp _app;

    public AlphabetService(ProcrastinateApp app)
    {
        _app = app;
    }

    /// <summary>Defers one job per letter of <paramref name="word"/>, all or nothing.</summary>
    public async Task SpellAsync(string word, string book)
    {
        await WriteAlphabet.Configure(app: _app).BatchDeferAsync(word.Select(c => new WriteAlphabet.Args(c.ToString(), book)));
    }

    /// <summary>Defers the letter to be written in an hour.</summary>
    public async Task SpellLaterAsync(char letter, string book)
    {
        await WriteAlphabet.Configure(scheduleIn: TimeSpan.FromHours(1), app: _app).DeferAsync(letter.ToString(), book);
    }
}
