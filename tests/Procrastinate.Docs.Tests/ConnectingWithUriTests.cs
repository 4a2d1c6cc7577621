using Npgsql;
using Procrastinate.PostgreSql;

namespace Procrastinate.Docs.Tests;

/// <summary>The DSN forms of docs/connecting.md, read without a server.</summary>
public class ConnectingWithUriTests
{
    [Fact]
    public async Task Uri_IsReadLikeItsNpgsqlForm()
    {
        await using var store = new PostgreSqlJobStore("postgresql://shop_worker:s%40fe@db.internal:5432/shop?sslmode=verify-full&application_name=billing");

        var builder = new NpgsqlConnectionStringBuilder(store.DataSource.ConnectionString);
        Assert.Equal(("db.internal", "shop", "shop_worker", SslMode.VerifyFull), (builder.Host, builder.Database, builder.Username, builder.SslMode));
    }

    [Fact]
    public async Task DataSource_ShowsWhatADsnBecomes()
    {
        await using var store = new PostgreSqlJobStore("postgresql://db1:5432,db2:5433/shop?target_session_attrs=read-write");
        var builder = new NpgsqlConnectionStringBuilder(store.DataSource.ConnectionString);
        Console.WriteLine($"{builder.Host} {builder.Database} {builder.TargetSessionAttributes}"); // db1:5432,db2:5433 shop read-write

        Assert.Equal(("db1:5432,db2:5433", "shop", "read-write"), (builder.Host, builder.Database, builder.TargetSessionAttributes));
    }
}
