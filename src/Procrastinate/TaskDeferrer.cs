using System.ComponentModel;
using System.Data.Common;

namespace Procrastinate;

/// <summary>
/// What every task's generated <c>Deferrer</c> (returned by <c>WriteAlphabet.Configure(...)</c>) shares: the app and
/// the options its jobs get, and the writing of typed arguments to the store. The generated subclass adds only the
/// task's typed <c>DeferAsync</c> and <c>BatchDeferAsync</c> overloads.
/// </summary>
/// <typeparam name="TArgs">The task's generated arguments type.</typeparam>
public abstract class TaskDeferrer<TArgs>
{
    private readonly TaskHandle<TArgs> _task;
    private readonly ProcrastinateApp? _app;

    /// <summary>Creates a deferrer of <paramref name="task"/>; generated code does this.</summary>
    /// <param name="task">The task, with its argument writer.</param>
    /// <param name="app">The app to defer through; <see cref="ProcrastinateApp.Default"/>, resolved at each defer, when unset.</param>
    /// <param name="options">The options of every job; <see cref="DeferOptions.None"/> when unset.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskDeferrer(TaskHandle<TArgs> task, ProcrastinateApp? app, DeferOptions? options)
    {
        _task = task ?? throw new ArgumentNullException(nameof(task));
        _app = app;
        Options = options ?? DeferOptions.None;
    }

    /// <summary>The options every job deferred through this deferrer gets.</summary>
    public DeferOptions Options { get; }

    /// <summary>The app jobs go to: the one given to <c>Configure</c>, else <see cref="ProcrastinateApp.Default"/>.</summary>
    /// <exception cref="InvalidOperationException">No app was given and no default app is set.</exception>
    public ProcrastinateApp App => _app ?? ProcrastinateApp.Default;

    /// <summary>Defers a job with these arguments and returns its id.</summary>
    /// <param name="args">The job's arguments.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    protected ValueTask<long> DeferArgsAsync(TArgs args, CancellationToken cancellationToken) =>
        App.DeferAsync(_task.Definition, _task.WriteArgs(args), Options, null, cancellationToken);

    /// <summary>Defers a job inside the caller's open transaction: the job exists only if it commits.</summary>
    /// <param name="transaction">An open transaction on the store's database.</param>
    /// <param name="args">The job's arguments.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> is <see langword="null"/>.</exception>
    protected ValueTask<long> DeferArgsAsync(DbTransaction transaction, TArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return App.DeferAsync(_task.Definition, _task.WriteArgs(args), Options, transaction, cancellationToken);
    }

    /// <summary>Defers one job per item, all or nothing, and returns their ids in order.</summary>
    /// <typeparam name="TItem">What the caller gives for each job: the arguments, or a task's single argument.</typeparam>
    /// <param name="items">The items, one job each.</param>
    /// <param name="toArgs">Makes one job's arguments from an item.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is <see langword="null"/>.</exception>
    protected ValueTask<IReadOnlyList<long>> BatchDeferArgsAsync<TItem>(
        IEnumerable<TItem> items, Func<TItem, TArgs> toArgs, CancellationToken cancellationToken) =>
        App.BatchDeferAsync(_task.Definition, WriteAll(items, toArgs), Options, null, cancellationToken);

    /// <summary>Defers one job per item inside the caller's open transaction, and returns their ids in order.</summary>
    /// <typeparam name="TItem">What the caller gives for each job: the arguments, or a task's single argument.</typeparam>
    /// <param name="transaction">An open transaction on the store's database.</param>
    /// <param name="items">The items, one job each.</param>
    /// <param name="toArgs">Makes one job's arguments from an item.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> or <paramref name="items"/> is <see langword="null"/>.</exception>
    protected ValueTask<IReadOnlyList<long>> BatchDeferArgsAsync<TItem>(
        DbTransaction transaction, IEnumerable<TItem> items, Func<TItem, TArgs> toArgs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return App.BatchDeferAsync(_task.Definition, WriteAll(items, toArgs), Options, transaction, cancellationToken);
    }

    private List<string> WriteAll<TItem>(IEnumerable<TItem> items, Func<TItem, TArgs> toArgs)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(toArgs);
        var all = new List<string>();
        foreach (var item in items)
        {
            all.Add(_task.WriteArgs(toArgs(item)));
        }

        return all;
    }
}
