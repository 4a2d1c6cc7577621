using System.CommandLine;

namespace Procrastinate.Cli.Internal;

/// <summary>The options every command takes: connection, output format and verbosity.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Dsn { get; } = new("--dsn")
    {
        Description = "PostgreSQL connection: a postgresql:// URI or an Npgsql connection string; missing parts come from " +
            "the libpq PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...) [env: PROCRASTINATE_DSN]",
        HelpName = "dsn",
        Recursive = true,
    };

    public Option<string?> Schema { get; } = new("--schema")
    {
        Description = "The PostgreSQL schema holding Procrastinate's tables (search path) [env: PROCRASTINATE_SCHEMA]",
        HelpName = "name",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print results as JSON (for scripts)",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "More log output: -v for debug, -vv for trace [env: PROCRASTINATE_VERBOSE=0|1|2]",
        Recursive = true,
        Arity = ArgumentArity.Zero,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Dsn);
        root.Options.Add(Schema);
        root.Options.Add(Json);
        root.Options.Add(Verbose);
    }
}
