using System.Data.Common;
using Npgsql;

namespace Procrastinate.PostgreSql.Tests.Connections;

/// <summary>PostgreSqlConnectionString.Parse without a server: libpq URIs and Npgsql strings, the PG* variables, errors.</summary>
public sealed class ConnectionStringParsingTests
{
    private const string Password = "s3cr3t-pw";

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Theory]
    [InlineData("postgresql://user:p%40ss@db.example:6543/jobs?sslmode=disable&application_name=w",
        "Host=db.example;Port=6543;Username=user;Password=p@ss;Database=jobs;SSL Mode=Disable;Application Name=w")]
    [InlineData("postgres://localhost/queue", "Host=localhost;Database=queue")]
    [InlineData("POSTGRESQL://h", "Host=h")]
    [InlineData("  postgresql://h/d  ", "Host=h;Database=d")]
    [InlineData("postgresql://", "")]
    [InlineData("postgresql:///shop", "Database=shop")]
    [InlineData("postgresql://u@h", "Host=h;Username=u")]
    [InlineData("postgresql://:5433/d", "Port=5433;Database=d")]
    [InlineData("postgresql://u:p@ss/w@rd@h/db", "Host=h;Username=u;Password=p@ss/w@rd;Database=db")]
    [InlineData("postgresql://h1:5432,h2:5433/db", "Host=h1:5432,h2:5433;Database=db")]
    [InlineData("postgresql://h1:5433,h2:5433/db", "Host=h1,h2;Port=5433;Database=db")]
    [InlineData("postgresql://h1:5433,h2/db", "Host=h1:5433,h2;Database=db")]
    [InlineData("postgresql://h1,h2/db?port=6000", "Host=h1,h2;Port=6000;Database=db")]
    [InlineData("postgresql://h1,h2/db?port=6000,6001", "Host=h1:6000,h2:6001;Database=db")]
    [InlineData("postgresql://h1,h2/db?target_session_attrs=read-write&load_balance_hosts=random",
        "Host=h1,h2;Database=db;Target Session Attributes=read-write;Load Balance Hosts=true")]
    [InlineData("postgresql://[::1]:5433/db", "Host=::1;Port=5433;Database=db")]
    [InlineData("postgresql://[2001:db8::7]/db", "Host=2001:db8::7;Database=db")]
    [InlineData("postgresql://[::1]:5433,h2/db", "Host=[::1]:5433,h2;Database=db")]
    [InlineData("postgresql://%2Fvar%2Frun%2Fpostgresql/db", "Host=/var/run/postgresql;Database=db")]
    [InlineData("postgresql://%2Fvar%2Frun%2Fpostgresql:5433/db", "Host=/var/run/postgresql;Port=5433;Database=db")]
    [InlineData("postgresql:///db?host=/var/run/postgresql&port=5433", "Host=/var/run/postgresql;Port=5433;Database=db")]
    [InlineData("postgresql://ignored/db?host=%2Ftmp", "Host=/tmp;Database=db")]
    [InlineData("postgresql://h/db?user=other&password=pw&dbname=d2&port=6000", "Host=h;Port=6000;Username=other;Password=pw;Database=d2")]
    [InlineData("postgresql://u@h/db?connect_timeout=10&options=-c%20search_path%3Dshop&target_session_attrs=any",
        "Host=h;Username=u;Database=db;Timeout=10;Options=-c search_path=shop;Target Session Attributes=any")]
    [InlineData("postgresql://h/d%C3%A9j%C3%A0?application_name=caf%C3%A9%20%F0%9F%98%80", "Host=h;Database=déjà;Application Name=café 😀")]
    [InlineData("postgresql://h/a+b", "Host=h;Database=a+b")]
    [InlineData("postgresql://h?sslmode=verify-full&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem&sslpassword=x",
        "Host=h;SSL Mode=VerifyFull;Root Certificate=/etc/ca.pem;SSL Certificate=/c.pem;SSL Key=/k.pem;SSL Password=x")]
    [InlineData("postgresql://h?sslmode=verify-ca&require_auth=scram-sha-256", "Host=h;SSL Mode=VerifyCA;Require Auth=ScramSHA256")]
    [InlineData("postgresql://h?sslmode=prefer&sslnegotiation=direct", "Host=h;SSL Mode=Prefer;SSL Negotiation=Direct")]
    [InlineData("postgresql://h?ssl=true", "Host=h;SSL Mode=Require")]
    [InlineData("postgresql://h?fallback_application_name=f", "Host=h;Application Name=f")]
    [InlineData("postgresql://h?fallback_application_name=f&application_name=a", "Host=h;Application Name=a")]
    [InlineData("postgresql://h?keepalives=1&keepalives_idle=30&keepalives_interval=5",
        "Host=h;Tcp Keepalive=true;Tcp Keepalive Time=30;Tcp Keepalive Interval=5")]
    [InlineData("postgresql://h?gssencmode=disable&krbsrvname=pg&client_encoding=UTF8&require_auth=!md5,!password&passfile=/p",
        "Host=h;GSS Encryption Mode=Disable;Kerberos Service Name=pg;Client Encoding=UTF8;Require Auth=!MD5,!Password;Passfile=/p")]
    [InlineData("postgresql://h/db?&sslmode=require&", "Host=h;Database=db;SSL Mode=Require")]
    [InlineData("Host=h;Database=d", "Host=h;Database=d")]
    [InlineData("host=h", "Host=h")]
    [InlineData("host=h port=5433 dbname=shop user=x\\ y password='a b\\'c' sslmode=require",
        "Host=h;Port=5433;Database=shop;Username=x y;Password=\"a b'c\";SSL Mode=Require")]
    [InlineData("  dbname = shop   host=h1,h2  port=5432,5433 target_session_attrs=primary",
        "Host=h1:5432,h2:5433;Database=shop;Target Session Attributes=primary")]
    [InlineData("host=/var/run/postgresql application_name='' fallback_application_name=f", "Host=/var/run/postgresql;Application Name=f")]
    [InlineData("Server=h;User ID=u;Port=5432", "Host=h;Username=u;Port=5432")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Dsn_BecomesTheseNpgsqlKeywords(string? dsn, string expected)
    {
        var builder = PostgreSqlConnectionString.Parse(dsn, NoEnvironment);

        Assert.Equal(Pairs(expected), Pairs(builder.ConnectionString));
    }

    [Fact]
    public void Variables_FillWhatTheDsnLeavesOut()
    {
        var environment = new Dictionary<string, string?>
        {
            ["PGHOST"] = "envhost",
            ["PGPORT"] = "6000",
            ["PGDATABASE"] = "envdb",
            ["PGUSER"] = "envuser",
            ["PGPASSWORD"] = "envpw",
            ["PGPASSFILE"] = "/env/pgpass",
            ["PGSSLMODE"] = "verify-full",
            ["PGAPPNAME"] = "envapp",
            ["PGCONNECT_TIMEOUT"] = "7",
            ["PGOPTIONS"] = "-c work_mem=64MB",
            ["PGSSLROOTCERT"] = "/env/ca.pem",
            ["PGCLIENTENCODING"] = "UTF8",
        };

        var builder = PostgreSqlConnectionString.Parse(null, name => environment.GetValueOrDefault(name));

        Assert.Equal(
            Pairs("Host=envhost;Port=6000;Database=envdb;Username=envuser;Password=envpw;Passfile=/env/pgpass;SSL Mode=VerifyFull;" +
                "Application Name=envapp;Timeout=7;Options=-c work_mem=64MB;Root Certificate=/env/ca.pem;Client Encoding=UTF8"),
            Pairs(builder.ConnectionString));
    }

    [Theory]
    [InlineData("postgresql://dsnhost:5432/dsndb")]
    [InlineData("Host=dsnhost;Port=5432;Database=dsndb")]
    public void DsnValues_WinOverVariables_EvenADefaultPortWrittenOut(string dsn)
    {
        var environment = new Dictionary<string, string?> { ["PGHOST"] = "envhost", ["PGPORT"] = "6000", ["PGDATABASE"] = "envdb", ["PGUSER"] = "envuser" };

        var builder = PostgreSqlConnectionString.Parse(dsn, name => environment.GetValueOrDefault(name));

        Assert.Equal(("dsnhost", 5432, "dsndb", "envuser"), (builder.Host, builder.Port, builder.Database, builder.Username));
    }

    [Fact]
    public void FallbackApplicationName_YieldsToPgAppName()
    {
        var builder = PostgreSqlConnectionString.Parse("postgresql://h?fallback_application_name=f", name => name == "PGAPPNAME" ? "env" : null);

        Assert.Equal("env", builder.ApplicationName);
    }

    [Fact]
    public void EmptyVariables_AreUnset()
    {
        var builder = PostgreSqlConnectionString.Parse("", _ => "");

        Assert.Empty(Pairs(builder.ConnectionString));
    }

    [Fact]
    public void WithoutAReader_TheProcessEnvironmentIsRead()
    {
        const string Variable = "PGAPPNAME";
        var saved = Environment.GetEnvironmentVariable(Variable);
        Environment.SetEnvironmentVariable(Variable, "from-process-environment");
        try
        {
            Assert.Equal("from-process-environment", PostgreSqlConnectionString.Parse("postgresql://h").ApplicationName);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, saved);
        }
    }

    [Theory]
    [InlineData("postgresql://u:" + Password + "@h/db?foo=bar", "(a word that is not a libpq keyword; not shown, as it may be part of a password) is not one Procrastinate reads; known parameters: host, port")]
    [InlineData("postgresql://u:" + Password + "@h/db?SSLMODE=require", "not shown, as it may be part of a password) is not one Procrastinate reads")]
    [InlineData("postgresql://u:" + Password + "@h/db?hostaddr=10.0.0.1", "not shown, as it may be part of a password) is not one Procrastinate reads")]
    [InlineData("postgresql://u:" + Password + "@h/db?sslmode=bogus", "'sslmode' has an invalid value: expected one of disable, allow, prefer, require, verify-ca, verify-full")]
    [InlineData("postgresql://u:" + Password + "@h/db?sslmode=3", "'sslmode' has an invalid value: expected")]
    [InlineData("postgresql://u:" + Password + "@h/db?connect_timeout=soon", "'connect_timeout' has an invalid value: expected a whole number of seconds")]
    [InlineData("postgresql://u:" + Password + "@h/db?keepalives=yes", "'keepalives' has an invalid value: expected one of 0, 1")]
    [InlineData("postgresql://u:" + Password + "@h/db?ssl=false", "'ssl' has an invalid value: only ssl=true is read")]
    [InlineData("postgresql://u:" + Password + "@h/db?require_auth=md5,kerberos", "'require_auth' has an invalid value: expected a list of password")]
    [InlineData("postgresql://u:" + Password + "@h/db?port=0", "'port' has an invalid value '0'")]
    [InlineData("postgresql://u:" + Password + "@h/db?application_name", "'application_name' has no value")]
    [InlineData("postgresql://u:" + Password + "@h/db?app%20name=x", "A URI parameter's name is not a libpq keyword")]
    [InlineData("postgresql://u:" + Password + "@h:notaport/db", "A port of the URI is not a number from 1 to 65535")]
    [InlineData("postgresql://u:" + Password + "@h:99999/db", "A port of the URI is not a number from 1 to 65535")]
    [InlineData("postgresql://u:" + Password + "@[::1/db", "An IPv6 host of the URI is not written [address]")]
    [InlineData("postgresql://u:" + Password + "@h1,,h2/db", "A host of the host list is empty")]
    [InlineData("postgresql://u:" + Password + "@h1,h2/db?port=1,2,3", "The DSN gives 3 ports for 2 hosts")]
    [InlineData("postgresql://u:" + Password + "@h/db?target_session_attrs=read-write", "Target session attributes other than 'any' need several hosts")]
    [InlineData("postgresql://u:" + Password + "@h/db%ZZ", "The percent-encoding of the URI's database name is invalid")]
    [InlineData("postgresql://u:" + Password + "@h/db%00", "The percent-encoding of the URI's database name is invalid")]
    [InlineData("postgresql://u:" + Password + "@h/db%FF", "The percent-encoding of the URI's database name is not valid UTF-8")]
    [InlineData("postgresql://u:" + Password + "%ZZ@h/db", "The percent-encoding of the URI's password is invalid")]
    [InlineData("postgresql://u:" + Password + "%C3@h/db", "The percent-encoding of the URI's password is not valid UTF-8")]
    [InlineData("postgresql://u@h/db?password=" + Password + "%ZZ", "The percent-encoding of the URI parameter 'password' is invalid")]
    [InlineData("postgresql://u@h/db?sslpassword=" + Password + "&sslmode=x", "'sslmode' has an invalid value: expected")]
    [InlineData("Host=h;Password=" + Password + ";Bogus=1", "The connection string holds a keyword Npgsql does not know (not shown")]
    [InlineData("Host=h;Password=" + Password + ";Port=abc", "The connection string's Port has an invalid value 'abc'.")]
    [InlineData("Host=h;Password=" + Password + ";Target Session Attributes=primary", "Target session attributes other than 'any' need several hosts")]
    [InlineData("Host=h Password=" + Password, "The connection string's host holds a space")]
    [InlineData("Host=h;Password=" + Password + ";Database", "The connection string cannot be read: expected an Npgsql")]
    [InlineData("host=h password=" + Password + " dbname", "The keyword 'dbname' of the libpq 'key=value' connection string has no value")]
    [InlineData("host=h password='" + Password, "The keyword 'password' of the libpq 'key=value' connection string has no value, or its quote is not closed")]
    [InlineData("host=h dbname=d foo=" + Password, "of the libpq connection string is not one Procrastinate reads")]
    [InlineData("host=h password=" + Password + " port=x", "The keyword 'port' of the libpq connection string has an invalid value 'x'")]
    [InlineData("host=h password=" + Password + " sslmode=on", "The keyword 'sslmode' of the libpq connection string has an invalid value: expected")]
    public void BadDsn_IsAClearArgumentException_WithoutThePassword(string dsn, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgreSqlConnectionString.Parse(dsn, NoEnvironment));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://u:zzqq?kkww@h/db")]
    [InlineData("postgresql://u:1234?kkww@h/db")]
    [InlineData("postgresql://u:1234?kkww=1@h/db")]
    [InlineData("postgresql://u:1234?sslmode=kkww@h/db")]
    [InlineData("host=h password=zzqq kkww")]
    [InlineData("host=h password=zzqq kkww=1")]
    public void PasswordWithAnUnencodedSeparator_FailsWithoutShowingAnyOfIt(string dsn)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgreSqlConnectionString.Parse(dsn, NoEnvironment));

        Assert.DoesNotContain("zzqq", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("kkww", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PGPORT", "abc", "The environment variable PGPORT has an invalid value 'abc': expected a number from 1 to 65535")]
    [InlineData("PGSSLMODE", "always", "The environment variable PGSSLMODE has an invalid value: expected one of disable")]
    [InlineData("PGCONNECT_TIMEOUT", "-1", "The environment variable PGCONNECT_TIMEOUT has an invalid value: expected")]
    [InlineData("PGTARGETSESSIONATTRS", "sometimes", "The environment variable PGTARGETSESSIONATTRS has an invalid value: expected")]
    public void BadVariable_IsAClearArgumentException(string variable, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(
            () => PostgreSqlConnectionString.Parse("Host=h;Password=" + Password, name => name == variable ? value : null));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreOptions_TakeAUri_AndABadOneFailsClearly()
    {
        await using var fromUri = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = "postgres://u@h:6000/shop", Schema = "billing" });
        var builder = new NpgsqlConnectionStringBuilder(fromUri.DataSource.ConnectionString);
        Assert.Equal(("h", 6000, "shop", "u", "\"billing\""), (builder.Host, builder.Port, builder.Database, builder.Username, builder.SearchPath));

        var error = Assert.Throws<ArgumentException>(() => new PostgreSqlJobStore("postgresql://u:" + Password + "@h/db?sslmode=nope"));
        Assert.Contains("'sslmode'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    private static SortedDictionary<string, string> Pairs(string connectionString)
    {
        // Both sides go through Npgsql, so that keyword spellings and value formats compare equal.
        var canonical = new NpgsqlConnectionStringBuilder(connectionString).ConnectionString;
        var generic = new DbConnectionStringBuilder { ConnectionString = canonical };
        return new SortedDictionary<string, string>(
            generic.Keys.Cast<string>().ToDictionary(k => k.ToUpperInvariant(), k => generic[k].ToString()!),
            StringComparer.Ordinal);
    }
}
