using Npgsql;
using Procrastinate.PostgreSql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

/// <summary>The command line reads its DSN with the store's reader, over its own (injected) environment.</summary>
public sealed class DsnTests : CliTest
{
    private const string Password = "s3cr3t-cli-pw";

    public DsnTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("postgres")]
    public async Task UriDsn_ChecksTheSchemaOfTheTestDatabase(string scheme)
    {
        var result = await CliRunner.RunAsync(LibpqUri.From(Database.ConnectionString, scheme), "schema", "--check");

        Assert.True(result.ExitCode == CliExitCodes.Success, result.ToString());
        Assert.All(result.OutLines, line => Assert.StartsWith("ours ", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UriInProcrastinateDsn_WithTheServerFromPgVariables_DefersAJob()
    {
        var server = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        var environment = new Dictionary<string, string>
        {
            ["PROCRASTINATE_DSN"] = $"postgresql:///{server.Database}?application_name=cli-dsn-test",
            ["PGHOST"] = server.Host!,
            ["PGPORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = server.Username!,
        };

        var result = await CliRunner.RunAsync(["defer", "cli.greet", """{"name": "uri"}"""], environment);

        Assert.True(result.ExitCode == CliExitCodes.Success, result.ToString());
        Assert.Equal("cli.greet", Assert.Single(await JobsAsync()).TaskName);
    }

    [Theory]
    [InlineData("postgresql://u:" + Password + "@127.0.0.1:1/db?sslmode=sometimes")]
    [InlineData("postgresql://u:" + Password + "@127.0.0.1:1/db?colour=blue")]
    [InlineData("host=127.0.0.1 password=" + Password + " dbname")]
    public async Task BadDsn_IsAUsageError_WithTheStoresMessage_AndNoPassword(string dsn)
    {
        var expected = Assert.Throws<ArgumentException>(() => PostgreSqlConnectionString.Parse(dsn, _ => null)).Message;

        var result = await CliRunner.RunAsync(["--dsn", dsn, "jobs", "list"]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal("error: " + expected, Assert.Single(result.ErrorLines));
        Assert.DoesNotContain(Password, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadPgVariable_InTheInjectedEnvironment_IsAUsageError()
    {
        var environment = new Dictionary<string, string> { ["PGHOST"] = "127.0.0.1", ["PGPORT"] = "fivefour" };

        var result = await CliRunner.RunAsync(["jobs", "list"], environment);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.StartsWith(
            "error: The environment variable PGPORT has an invalid value 'fivefour': expected a number from 1 to 65535",
            Assert.Single(result.ErrorLines),
            StringComparison.Ordinal);
    }
}
