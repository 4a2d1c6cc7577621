using System.Collections;

namespace Procrastinate;

/// <summary>
/// The tasks an app knows, by name and alias. Compose the generated registries of several assemblies into one;
/// a name registered by two different tasks is rejected. Every app also registers Procrastinate's builtin tasks
/// (<see cref="BuiltinTasks.RemoveOldJobs"/>).
/// </summary>
public sealed class TaskRegistry : IReadOnlyCollection<TaskDefinition>
{
    private readonly Dictionary<string, TaskDefinition> _byName = new(StringComparer.Ordinal);
    private readonly List<TaskDefinition> _tasks = [];

    /// <summary>Creates an empty registry.</summary>
    public TaskRegistry()
    {
    }

    /// <summary>Creates a registry holding <paramref name="tasks"/>.</summary>
    public TaskRegistry(IEnumerable<TaskDefinition> tasks)
    {
        AddRange(tasks);
    }

    /// <inheritdoc />
    public int Count => _tasks.Count;

    /// <summary>
    /// Registers <paramref name="task"/> under its name and aliases. Adding the same definition again does nothing, so
    /// registries that share tasks (such as the builtin ones every app holds) compose freely.
    /// </summary>
    /// <exception cref="InvalidOperationException">The name or an alias is already registered by another task.</exception>
    public void Add(TaskDefinition task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (_byName.TryGetValue(task.Name, out var same) && ReferenceEquals(same, task))
        {
            return;
        }

        foreach (var key in task.Aliases.Prepend(task.Name))
        {
            if (_byName.TryGetValue(key, out var existing))
            {
                throw new InvalidOperationException(
                    $"Task name '{key}' is registered twice (by '{existing.Name}' and by '{task.Name}'). Rename one of them.");
            }
        }

        foreach (var key in task.Aliases.Prepend(task.Name))
        {
            _byName.Add(key, task);
        }

        _tasks.Add(task);
    }

    /// <summary>Registers every task of <paramref name="tasks"/>.</summary>
    public void AddRange(IEnumerable<TaskDefinition> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        foreach (var task in tasks)
        {
            Add(task);
        }
    }

    /// <summary>Finds a task by name or alias.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TaskDefinition? task) =>
        _byName.TryGetValue(name, out task);

    /// <summary>Finds a task by name or alias.</summary>
    /// <exception cref="TaskNotFoundException">No task has that name; the message suggests close names.</exception>
    public TaskDefinition Get(string name) =>
        TryGet(name, out var task) ? task : throw new TaskNotFoundException(name, SuggestNames(name));

    /// <summary>Registered names and aliases close to <paramref name="name"/>, closest first.</summary>
    public IReadOnlyList<string> SuggestNames(string name, int max = 3)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.Keys
            .Select(candidate => (candidate, distance: EditDistance(name, candidate)))
            .Where(pair => pair.distance <= Math.Max(2, name.Length / 3)
                || pair.candidate.EndsWith(name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(pair => pair.distance)
            .ThenBy(pair => pair.candidate, StringComparer.Ordinal)
            .Take(max)
            .Select(pair => pair.candidate)
            .ToList();
    }

    /// <inheritdoc />
    public IEnumerator<TaskDefinition> GetEnumerator() => _tasks.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
