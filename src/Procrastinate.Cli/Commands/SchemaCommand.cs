using System.CommandLine;
using Procrastinate.Cli.Internal;
using Procrastinate.PostgreSql;

namespace Procrastinate.Cli.Commands;

/// <summary><c>schema --apply | --read | --check | --migrate</c>.</summary>
internal sealed class SchemaCommand
{
    private readonly Option<bool> _apply = new("--apply") { Description = "Create the schema in the database (the default)" };
    private readonly Option<bool> _read = new("--read") { Description = "Print the schema's SQL" };
    private readonly Option<bool> _check = new("--check") { Description = "Compare the database's schema with this version's; exit 1 on any difference" };
    private readonly Option<bool> _migrate = new("--migrate") { Description = "Print the migrations of this version, in the order to apply them" };

    public Command Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        var command = new Command("schema", "Apply, print, check or migrate Procrastinate's database schema")
        {
            _apply, _read, _check, _migrate,
        };
        command.SetAction(wrap(RunAsync));
        return command;
    }

    private async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        Option<bool>[] modes = [_apply, _read, _check, _migrate];
        var chosen = modes.Where(context.ParseResult.Has).ToList();
        if (chosen.Count > 1)
        {
            throw CliException.Usage($"Choose one of --apply, --read, --check, --migrate (got {string.Join(" and ", chosen.Select(o => o.Name))}).");
        }

        var mode = chosen.Count == 0 ? _apply : chosen[0];
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

        context.Error.WriteLine($"Applying schema to {context.Describe()}");
        await context.Store.Schema.ApplySchemaAsync(cancellationToken).ConfigureAwait(false);
        context.Error.WriteLine("Done");
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
                w.WriteEndObject();
            });
        }
        else
        {
            foreach (var difference in result.Differences)
            {
                context.Out.WriteLine(difference.ToString());
            }
        }

        if (!result.IsValid)
        {
            context.Error.WriteLine($"error: the schema in {context.Describe()} differs from this version's in {result.Differences.Count} object(s).");
            return CliExitCodes.Failure;
        }

        context.Error.WriteLine($"The schema in {context.Describe()} matches this version's.");
        return CliExitCodes.Success;
    }
}
