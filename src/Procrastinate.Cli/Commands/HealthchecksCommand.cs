using System.CommandLine;
using System.Globalization;
using Procrastinate.Cli.Internal;

namespace Procrastinate.Cli.Commands;

/// <summary><c>healthchecks</c>: configuration, connection, schema present; exit 0 only when all pass.</summary>
internal static class HealthchecksCommand
{
    public static Command Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        var command = new Command("healthchecks", "Check the configuration, the database connection and the schema; exit 0 only when all pass");
        command.SetAction(wrap(RunAsync));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var checks = new List<(string Name, bool Ok, string Detail)>
        {
            ("App configuration", true, string.Create(CultureInfo.InvariantCulture, $"{context.Tasks.Count} task(s)")),
        };
        try
        {
            var applied = await context.Store.Schema.IsAppliedAsync(cancellationToken).ConfigureAwait(false);
            checks.Add(("DB connection", true, context.Describe()));
            checks.Add(("Found procrastinate_jobs table", applied,
                applied ? string.Empty : "apply the schema with `schema --apply`"));
        }
        catch (ProcrastinateException e)
        {
            checks.Add(("DB connection", false, e.Message));
        }

        if (context.Json)
        {
            context.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteBoolean("healthy", checks.TrueForAll(c => c.Ok));
                w.WriteStartArray("checks");
                foreach (var (name, ok, detail) in checks)
                {
                    w.WriteStartObject();
                    w.WriteString("name", name);
                    w.WriteBoolean("ok", ok);
                    w.WriteString("detail", detail);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        else
        {
            foreach (var (name, ok, detail) in checks)
            {
                var line = $"{name}: {(ok ? "OK" : "FAILED")}" + (detail.Length > 0 ? $" ({detail})" : string.Empty);
                (ok ? context.Out : context.Error).WriteLine(line);
            }
        }

        return checks.TrueForAll(c => c.Ok) ? CliExitCodes.Success : CliExitCodes.Failure;
    }
}
