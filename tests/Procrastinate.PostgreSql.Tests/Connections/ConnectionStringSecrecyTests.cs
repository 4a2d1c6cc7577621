using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests.Connections;

/// <summary>
/// Generated DSNs in all three forms, malformed in many ways, each carrying a marker secret where a password (or any
/// value other than host, port, database and user) goes: the marker, and each half of it when a separator splits it,
/// never appears in any exception text, and only the documented exception types come out.
/// </summary>
public sealed class ConnectionStringSecrecyTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void MalformedDsns_NeverShowTheSecret_AndFailOnlyWithArgumentException()
    {
        var failures = new List<string>();
        var cases = SecretDsns.All().ToList();
        foreach (var dsn in cases)
        {
            try
            {
                PostgreSqlConnectionString.Parse(dsn.Text, NoEnvironment);
            }
            catch (ArgumentException e)
            {
                if (dsn.LeaksIn(e.ToString()) is { } leak)
                {
                    failures.Add($"{dsn.Text}: '{leak}' in {e}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"{dsn.Text}: {e.GetType().Name} instead of ArgumentException");
            }
        }

        Assert.True(cases.Count > 1000, $"only {cases.Count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} DSNs:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public async Task TheStore_OverTheSameDsns_FailsWithArgumentException_OrItsConnectionError_NeverShowingTheSecret()
    {
        var failures = new List<string>();
        var opened = 0;
        foreach (var dsn in SecretDsns.All())
        {
            try
            {
                await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = dsn.Text });
                if (!dsn.Text.Contains("127.0.0.1", StringComparison.Ordinal) || store.DataSource.ConnectionString.Contains(',', StringComparison.Ordinal))
                {
                    continue;
                }

                // Port 1 refuses at once: the connection error's text is checked too.
                opened++;
                await store.GetJobStatusAsync(1);
                failures.Add($"{dsn.Text}: connected");
            }
            catch (Exception e) when (e is ArgumentException or ProcrastinateException)
            {
                if (dsn.LeaksIn(e.ToString()) is { } leak)
                {
                    failures.Add($"{dsn.Text}: '{leak}' in {e}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"{dsn.Text}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(opened > 50, $"only {opened} connection attempts");
        Assert.True(failures.Count == 0, $"{failures.Count} DSNs:\n" + string.Join("\n", failures.Take(40)));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Pasword=")]
    [InlineData("Host=127.0.0.1;Password=TOP;SECRETPART2;Database=d1")]
    public void TheIssuesTwoDsns_AreArgumentExceptions_WithoutThePassword(string dsn)
    {
        var e = Assert.Throws<ArgumentException>(() => PostgreSqlConnectionString.Parse(dsn, NoEnvironment));

        Assert.DoesNotContain("SECRETPART2", e.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("TOP", e.ToString(), StringComparison.Ordinal);
        Assert.Null(e.InnerException);
    }
}
