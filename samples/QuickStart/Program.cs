using Procrastinate;
using Procrastinate.Generated;
using QuickStart;

// 1. Declare a task: see AlphabetTasks.cs ([Task] on a partial method; the generator writes WriteAlphabet).

// 2. Create the app over a store, with the tasks the generator registered for this assembly.
await using var store = await QuickStartStore.OpenAsync(inMemory: args.Contains("--in-memory"));
Console.WriteLine($"Using {store.Description}.");
ProcrastinateApp.Default = new ProcrastinateApp(store.Store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(QuickStartTasks.All) });

foreach (var withLock in new[] { false, true })
{
    File.WriteAllText(AlphabetTasks.FilePath, "");

    // 3. Defer jobs: four letters, with one lock for all of them or none.
    foreach (var letter in new[] { "a", "b", "c", "d" })
    {
        await WriteAlphabet.Configure(@lock: withLock ? "alphabet.txt" : null).DeferAsync(letter);
    }

    // 4. Run a worker: four jobs at once, until the queue is empty.
    await ProcrastinateApp.Default.RunWorkerAsync(new WorkerOptions { Concurrency = 4, Wait = false });

    Console.WriteLine($"{(withLock ? "With" : "Without")} a lock the file reads: {File.ReadAllText(AlphabetTasks.FilePath)}");
}
