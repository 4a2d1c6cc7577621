using Procrastinate.PostgreSql;
using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run (<c>PROCRASTINATE_TEST_DSN</c> or a throwaway cluster) and one
/// template database that gets the schema once; every test class clones it.
/// </summary>
internal static class TestServer
{
    private static readonly Lazy<Task<(PostgresServer Server, string Template)>> Shared = new(CreateAsync);

    public static Task<(PostgresServer Server, string Template)> GetAsync() => Shared.Value;

    private static async Task<(PostgresServer, string)> CreateAsync()
    {
        var server = await PostgresServer.GetSharedAsync();
        var name = $"procrastinate_pg_template_{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..6]}";
        var template = await server.CreateTemplateAsync(name, async connectionString =>
        {
            await using var store = new PostgreSqlJobStore(connectionString);
            await store.ApplySchemaAsync();
        });
        return (server, template);
    }
}
