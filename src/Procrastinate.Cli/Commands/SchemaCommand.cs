using System.CommandLine;
using Procrastinate.Cli.Internal;
using Procrastinate.PostgreSql;

namespace Procrastinate.Cli.Commands;

/// <summary>
/// <c>schema --apply | --apply-own | --read | --check | --migrate</c>, and <c>--apply | --read</c> of <c>--extension NAME</c>.
/// </summary>
internal sealed class SchemaCommand
{
    /// <summary>
    /// Procrastinate for .NET's own objects, outside Procrastinate's contract: how <c>--read</c> prints them and how
    /// <c>--apply</c> creates them (idempotently, on an applied schema).
    /// </summary>
    private static readonly (string Name, Func<string> Sql, Func<PostgreSqlSchemaManager, CancellationToken, Task> Apply)[] Extensions =
    [
        ("queue-index", PostgreSqlSchemaManager.GetQueueIndexSql, (schema, ct) => schema.ApplyQueueIndexAsync(ct)),
        ("trace-contexts", PostgreSqlSchemaManager.GetTraceContextTableSql, (schema, ct) => schema.ApplyTraceContextTableAsync(ct)),
        ("job-errors", PostgreSqlSchemaManager.GetJobErrorTableSql, (schema, ct) => schema.ApplyJobErrorTableAsync(ct)),
    ];

    private readonly Option<bool> _apply = new("--apply") { Description = "Create the schema in the database (the default)" };
    private readonly Option<bool> _applyOwn = new("--apply-own")
    {
        Description = "Add Procrastinate for .NET's own objects that --apply creates (the queue and worker indexes) to an existing schema, " +
                      "e.g. one Python applied, without blocking writers (CREATE INDEX CONCURRENTLY); idempotent",
    };

    private readonly Option<bool> _read = new("--read") { Description = "Print the schema's SQL" };
    private readonly Option<bool> _check = new("--check")
    {
        Description = "Compare the database's schema with Procrastinate 3.9's, fact for fact, and list our own objects apart; " +
                      "exit 1 on any difference, 4 when only our own objects are missing (--apply-own adds them)",
    };

    private readonly Option<bool> _migrate = new("--migrate") { Description = "Print the migrations of this version, in the order to apply them" };
    private readonly Option<string[]> _extension = new("--extension")
    {
        Description = "With --apply or --read: act on this extension of Procrastinate for .NET instead of the schema " +
                      "(queue-index, trace-contexts, job-errors; repeatable). Applying one that exists does nothing",
    };

    public SchemaCommand()
    {
        _extension.AcceptOnlyFromAmong([.. Extensions.Select(e => e.Name)]);
    }

    public Command Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        var command = new Command("schema", "Apply, print, check or migrate Procrastinate's database schema, or apply and print extensions")
        {
            _apply, _applyOwn, _read, _check, _migrate, _extension,
        };
        command.SetAction(wrap(RunAsync));
        return command;
    }

    private async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        Option<bool>[] modes = [_apply, _applyOwn, _read, _check, _migrate];
        var chosen = modes.Where(context.ParseResult.Has).ToList();
        if (chosen.Count > 1)
        {
            throw CliException.Usage($"Choose one of --apply, --apply-own, --read, --check, --migrate (got {string.Join(" and ", chosen.Select(o => o.Name))}).");
        }

        var mode = chosen.Count == 0 ? _apply : chosen[0];
        var extensions = context.ParseResult.GetValue(_extension) is { Length: > 0 } names
            ? Extensions.Where(e => names.Contains(e.Name, StringComparer.Ordinal)).ToList()
            : null;
        if (extensions is not null)
        {
            return await ExtensionsAsync(context, mode, extensions, cancellationToken).ConfigureAwait(false);
        }

        if (mode == _read)
        {
            context.Out.Write(PostgreSqlSchemaManager.GetSchemaSql());
            return CliExitCodes.Success;
        }

        if (mode == _migrate)
        {
            return Migrate(context);
        }

        if (mode == _check)
        {
            return await CheckAsync(context, cancellationToken).ConfigureAwait(false);
        }

        if (mode == _applyOwn)
        {
            context.Error.WriteLine($"Adding Procrastinate for .NET's own objects to {context.Describe()} (CONCURRENTLY: writers are not blocked)");
            await context.Store.Schema.ApplyOwnObjectsAsync(cancellationToken).ConfigureAwait(false);
            context.Error.WriteLine("Done");
            return CliExitCodes.Success;
        }

        context.Error.WriteLine($"Applying schema to {context.Describe()}");
        await context.Store.Schema.ApplySchemaAsync(cancellationToken).ConfigureAwait(false);
        context.Error.WriteLine("Done");
        return CliExitCodes.Success;
    }

    private async Task<int> ExtensionsAsync(
        CliContext context,
        Option<bool> mode,
        List<(string Name, Func<string> Sql, Func<PostgreSqlSchemaManager, CancellationToken, Task> Apply)> extensions,
        CancellationToken cancellationToken)
    {
        if (mode != _apply && mode != _read)
        {
            throw CliException.Usage($"--extension goes with --apply or --read, not {mode.Name}.");
        }

        foreach (var extension in extensions)
        {
            if (mode == _read)
            {
                context.Out.Write(extension.Sql());
                continue;
            }

            context.Error.WriteLine($"Applying extension {extension.Name} to {context.Describe()}");
            await extension.Apply(context.Store.Schema, cancellationToken).ConfigureAwait(false);
        }

        if (mode == _apply)
        {
            context.Error.WriteLine("Done");
        }

        return CliExitCodes.Success;
    }

    private static int Migrate(CliContext context)
    {
        var migrations = PostgreSqlSchemaManager.GetMigrations();
        if (migrations.Count == 0)
        {
            context.Error.WriteLine("No migrations: this version's schema is the first one (Procrastinate 3.9.0's); `schema --apply` creates it.");
            return CliExitCodes.Success;
        }

        foreach (var migration in migrations)
        {
            context.Out.WriteLine($"-- {migration.Name} ({migration.Phase.ToString().ToLowerInvariant()}: {migration.Description})");
            context.Out.WriteLine(migration.Sql.TrimEnd());
            context.Out.WriteLine();
        }

        return CliExitCodes.Success;
    }

    private static async Task<int> CheckAsync(CliContext context, CancellationToken cancellationToken)
    {
        var result = await context.Store.Schema.CheckSchemaAsync(cancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteBoolean("valid", result.IsValid);
                w.WriteStartArray("differences");
                foreach (var difference in result.Differences)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", difference.Kind);
                    w.WriteString("name", difference.Name);
                    w.WriteString("expected", difference.Expected);
                    w.WriteString("actual", difference.Actual);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("ours");
                foreach (var own in result.Ours)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", own.Kind);
                    w.WriteString("name", own.Name);
                    w.WriteString("definition", own.Definition);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("missing_ours");
                foreach (var own in result.MissingOurs)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", own.Kind);
                    w.WriteString("name", own.Name);
                    w.WriteString("definition", own.Definition);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        else
        {
            foreach (var difference in result.Differences)
            {
                context.Out.WriteLine(difference.ToString());
            }

            foreach (var own in result.Ours)
            {
                context.Out.WriteLine($"ours {own}");
            }

            foreach (var own in result.MissingOurs)
            {
                context.Out.WriteLine($"missing ours {own.Kind} {own.Name}: expected {own.Definition}");
            }
        }

        if (!result.IsValid)
        {
            context.Error.WriteLine(
                $"error: the schema in {context.Describe()} differs from Procrastinate 3.9's in {result.Differences.Count} object(s). " +
                "A schema created by an earlier Procrastinate for .NET is brought up to date by the SQL `schema --migrate` prints.");
            return CliExitCodes.Failure;
        }

        if (!result.IsComplete)
        {
            context.Error.WriteLine(
                $"The schema in {context.Describe()} matches Procrastinate 3.9's, but lacks {result.MissingOurs.Count} object(s) of Procrastinate " +
                "for .NET's own that fast fetching needs: workers fetch at the contract's speed. `schema --apply-own` adds them without " +
                "blocking writers.");
            return CliExitCodes.Incomplete;
        }

        context.Error.WriteLine($"The schema in {context.Describe()} matches Procrastinate 3.9's.");
        return CliExitCodes.Success;
    }
}
