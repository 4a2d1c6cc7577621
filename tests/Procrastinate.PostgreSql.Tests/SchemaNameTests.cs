using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>A schema name reaches SQL text only quoted: hostile names create a schema of exactly that name, or are refused.</summary>
public sealed class SchemaNameTests : PostgresTest
{
    private const string Hostile = "\"x\"; COMMIT; CREATE TABLE public.pwned(id int); --";

    public SchemaNameTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData(Hostile)]
    [InlineData("x\"; CREATE TABLE public.pwned(id int); --")]
    [InlineData("select")]
    [InlineData("Mixed Case")]
    public async Task ApplySchema_WithAHostileOrOddSchemaName_CreatesThatSchema_AndNothingElse(string schema)
    {
        var connectionString = await Database.Server.CreateDatabaseAsync();
        await using (var store = new PostgreSqlJobStore(connectionString, schema))
        {
            await store.ApplySchemaAsync();
            Assert.True(await store.Schema.IsAppliedAsync());
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var pwned = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relname = 'pwned'", connection);
        Assert.Equal(0L, await pwned.ExecuteScalarAsync());
        await using var jobs = new NpgsqlCommand(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'procrastinate_jobs'",
            connection);
        jobs.Parameters.Add(new() { Value = schema });
        Assert.Equal(1L, await jobs.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("\u001b[31mred")]
    [InlineData("lone surrogate")]
    [InlineData("a_schema_name_that_is_longer_than_sixty_three_bytes_which_postgres_cuts")]
    public void UnusableSchemaName_IsRefusedBeforeConnecting(string schema)
    {
        // Attribute arguments are stored as UTF-8, which cannot carry a lone surrogate: it is made here.
        schema = schema == "lone surrogate" ? "a" + '\ud800' : schema;
        var e = Assert.Throws<ArgumentException>(() => new PostgreSqlJobStore("Host=127.0.0.1;Port=1", schema));

        Assert.Contains("schema name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SearchPathOfTheConnectionString_ThatIsNoListOfNames_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(
            () => new PostgreSqlJobStore("Host=127.0.0.1;Port=1;Search Path='" + Hostile + "'"));

        Assert.Contains("search path", e.Message, StringComparison.Ordinal);
    }
}
