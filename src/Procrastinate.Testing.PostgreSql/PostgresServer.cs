using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Procrastinate.Testing.PostgreSql;

/// <summary>
/// A PostgreSQL server for tests: either a throwaway local cluster (<c>initdb</c> into a temporary folder, a free
/// loopback port, stopped and deleted on dispose) or an existing server given by a connection string. It hands out
/// fresh databases, optionally cloned from a template. Works without Docker.
/// </summary>
/// <remarks>
/// When the process runs as root, the cluster runs as the <c>postgres</c> OS user (PostgreSQL refuses root).
/// A cluster left behind by a killed process is removed by a watchdog as soon as its owner dies, and in any case
/// by the next <see cref="StartAsync"/>.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable that points tests at an existing server instead of a throwaway one.</summary>
    public const string TestDsnVariable = "PROCRASTINATE_TEST_DSN";

    private const string ClusterPrefix = "procrastinate-pg-";
    private const string ClaimPrefix = ".procrastinate-pg-claim-";
    private const string OwnerFile = "owner.pid";
    private static readonly TimeSpan ClaimGrace = TimeSpan.FromMinutes(1);
    private static readonly object SharedLock = new();
    private static Task<PostgresServer>? _shared;

    private readonly string? _clusterDirectory;
    private readonly string? _binDirectory;
    private readonly string? _serverOptions;
    private readonly TimeSpan _startTimeout;
    private readonly List<string> _createdDatabases = [];
    private readonly object _databasesLock = new();
    private static int _databaseCounter;
    private int _disposed;

    private PostgresServer(
        string connectionString, string? clusterDirectory, string? binDirectory, string? serverOptions = null, TimeSpan startTimeout = default)
    {
        ConnectionString = connectionString;
        _clusterDirectory = clusterDirectory;
        _binDirectory = binDirectory;
        _serverOptions = serverOptions;
        _startTimeout = startTimeout;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Host = builder.Host ?? "localhost";
        Port = builder.Port;
    }

    /// <summary>A connection string to the server's maintenance database (<c>postgres</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>The host the server listens on.</summary>
    public string Host { get; }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Whether this object started (and will delete) the cluster.</summary>
    public bool IsThrowaway => _clusterDirectory is not null;

    /// <summary>
    /// The server for this test process, started once: the server of <c>PROCRASTINATE_TEST_DSN</c> when that variable
    /// is set, else a throwaway cluster disposed when the process exits.
    /// </summary>
    /// <exception cref="InvalidOperationException">No variable set and no PostgreSQL binaries found.</exception>
    public static Task<PostgresServer> GetSharedAsync()
    {
        lock (SharedLock)
        {
            if (_shared is null || _shared.IsFaulted || _shared.IsCanceled)
            {
                _shared = CreateSharedAsync();
            }

            return _shared;
        }
    }

    private static async Task<PostgresServer> CreateSharedAsync()
    {
        var dsn = Environment.GetEnvironmentVariable(TestDsnVariable);
        var server = string.IsNullOrWhiteSpace(dsn)
            ? await StartAsync().ConfigureAwait(false)
            : Connect(dsn);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    /// <summary>Uses an existing server; databases this object creates are dropped on dispose.</summary>
    public static PostgresServer Connect(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return new PostgresServer(connectionString, clusterDirectory: null, binDirectory: null);
    }

    /// <summary>Starts a throwaway cluster on a free loopback port.</summary>
    /// <exception cref="InvalidOperationException">No binaries found, or <c>initdb</c>/<c>pg_ctl</c> failed (with its output).</exception>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PostgresServerOptions();
        var bin = options.BinDirectory ?? PostgresBinaries.FindBinDirectory() ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries (initdb, pg_ctl) were found on PATH, through pg_config or in /usr/lib/postgresql/*/bin. " +
            $"Install PostgreSQL (for example 'apt-get install postgresql') or set {TestDsnVariable} to an existing server.");

        RemoveStaleClusters();
        var directory = await ClaimClusterDirectoryAsync(cancellationToken).ConfigureAwait(false);
        StartWatchdog(directory);
        try
        {
            if (RunsAsRoot)
            {
                await RunAsync("chown", ["-R", "postgres:", directory], asPostgres: false, cancellationToken).ConfigureAwait(false);
            }

            var data = Path.Combine(directory, "data");
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"], RunsAsRoot, cancellationToken).ConfigureAwait(false);
            var port = FindFreePort();
            var serverArgs = new List<string> { $"-p {port}", $"-k {directory}", "-c listen_addresses=127.0.0.1", $"-c max_connections={options.MaxConnections}" };
            if (!options.Durable)
            {
                serverArgs.Add("-c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            }

            foreach (var (name, value) in options.Settings ?? new Dictionary<string, string>())
            {
                serverArgs.Add($"-c {name}={value}");
            }

            var serverOptions = string.Join(' ', serverArgs);
            await PgCtlStartAsync(bin, directory, serverOptions, options.StartTimeout, cancellationToken).ConfigureAwait(false);
            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Database = "postgres",
            }.ConnectionString;
            return new PostgresServer(connectionString, directory, bin, serverOptions, options.StartTimeout);
        }
        catch
        {
            StopCluster(directory);
            throw;
        }
    }

    /// <summary>A connection string to <paramref name="database"/> on this server.</summary>
    public string GetConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;

    /// <summary>
    /// Creates a database (a fresh unique name when <paramref name="name"/> is <see langword="null"/>), optionally as a
    /// copy of <paramref name="template"/>, and returns its connection string. It is dropped on dispose.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, string? template = null, CancellationToken cancellationToken = default)
    {
        name ??= $"procrastinate_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid().ToString("N")[..6]}";
        var sql = $"CREATE DATABASE {Quote(name)}" + (template is null ? "" : $" TEMPLATE {Quote(template)}");
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
                {
                    // The template still has a session (often a pooled connection being closed): wait it out.
                    await Task.Delay(100 * attempt, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        lock (_databasesLock)
        {
            _createdDatabases.Add(name);
        }

        return GetConnectionString(name);
    }

    /// <summary>
    /// Creates a template database once: <paramref name="initialize"/> receives a non-pooled connection string to fill
    /// it (apply a schema, say); later <see cref="CreateDatabaseAsync"/> calls can clone it by name.
    /// </summary>
    public async Task<string> CreateTemplateAsync(string name, Func<string, Task> initialize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(initialize);
        var connectionString = await CreateDatabaseAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        await initialize(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString).ConfigureAwait(false);
        return name;
    }

    /// <summary>Drops a database (closing its sessions).</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
        }

        lock (_databasesLock)
        {
            _createdDatabases.Remove(name);
        }
    }

    /// <summary>
    /// Stops the server and starts it again on the same port (throwaway clusters only), for tests of reconnection.
    /// Existing connections break.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var (directory, bin) = RequireThrowaway("restarted");
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["restart", "-D", Path.Combine(directory, "data"), "-m", "fast", "-w"], RunsAsRoot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the server (fast shutdown: sessions are ended, data kept) until <see cref="StartAgainAsync"/>, for tests
    /// of database outages (throwaway clusters only). Meanwhile connections are refused.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not a throwaway cluster, or <c>pg_ctl</c> failed.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var (directory, bin) = RequireThrowaway("stopped");
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["stop", "-D", Path.Combine(directory, "data"), "-m", "fast", "-w"], RunsAsRoot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a server stopped by <see cref="StopAsync"/> again, on the same port with the same settings.</summary>
    /// <exception cref="InvalidOperationException">Not a throwaway cluster, or <c>pg_ctl</c> failed (the server may be running).</exception>
    public Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        var (directory, bin) = RequireThrowaway("started again");
        return PgCtlStartAsync(bin, directory, _serverOptions!, _startTimeout, cancellationToken);
    }

    /// <summary>Drops the databases this object created; stops and deletes a throwaway cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        if (_clusterDirectory is not null)
        {
            StopCluster(_clusterDirectory);
            return;
        }

        string[] names;
        lock (_databasesLock)
        {
            names = [.. _createdDatabases];
        }

        foreach (var name in names)
        {
            try
            {
                await DropDatabaseAsync(name).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // Best effort: the server may already be gone at process exit.
            }
        }
    }

    private (string Directory, string Bin) RequireThrowaway(string action) =>
        _clusterDirectory is not null && _binDirectory is not null
            ? (_clusterDirectory, _binDirectory)
            : throw new InvalidOperationException($"Only a throwaway cluster started by this object can be {action}.");

    private static Task PgCtlStartAsync(string bin, string directory, string serverOptions, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunAsync(
            Path.Combine(bin, "pg_ctl"),
            ["start", "-D", Path.Combine(directory, "data"), "-w", "-t", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-l", Path.Combine(directory, "server.log"), "-o", serverOptions],
            RunsAsRoot,
            cancellationToken);

    private static bool RunsAsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var startInfo = asPostgres ? new ProcessStartInfo("runuser") : new ProcessStartInfo(fileName);
        if (asPostgres)
        {
            foreach (var prefix in new[] { "-u", "postgres", "--", fileName })
            {
                startInfo.ArgumentList.Add(prefix);
            }
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{Path.GetFileName(fileName)} {string.Join(' ', arguments)}' exited with code {process.ExitCode}:{Environment.NewLine}" +
                await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
        }
    }

    // A detached shell that removes the cluster as soon as the owning process is gone, even after SIGKILL.
    private static void StartWatchdog(string directory)
    {
        var script =
            $"while kill -0 {Environment.ProcessId} 2>/dev/null && [ -d '{directory}' ]; do sleep 1; done; " +
            $"if [ -f '{directory}/data/postmaster.pid' ]; then kill -QUIT $(head -n 1 '{directory}/data/postmaster.pid') 2>/dev/null; sleep 2; fi; " +
            $"rm -rf '{directory}'";
        try
        {
            var startInfo = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var argument in new[] { "sh", "-c", script })
            {
                startInfo.ArgumentList.Add(argument);
            }

            Process.Start(startInfo)?.Dispose();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No setsid: the next StartAsync removes the stale cluster instead.
        }
    }

    /// <summary>
    /// Creates a cluster directory that holds its owner file from the moment it exists: it is filled under a name the
    /// stale-cluster sweep of other processes never looks at, then renamed into place (atomic within one file system).
    /// </summary>
    private static async Task<string> ClaimClusterDirectoryAsync(CancellationToken cancellationToken)
    {
        var temp = Path.GetTempPath();
        var name = Guid.NewGuid().ToString("N")[..12];
        var staging = Path.Combine(temp, ClaimPrefix + name);
        Directory.CreateDirectory(staging);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(staging, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            var directory = Path.Combine(temp, ClusterPrefix + name);
            Directory.Move(staging, directory);
            return directory;
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Removes the clusters of processes that are gone. A directory whose owner cannot be read yet (written by a
    /// version that created the directory before its owner file, or a claim being filled) is left alone while young.
    /// </summary>
    private static void RemoveStaleClusters()
    {
        var protectedSince = DateTime.UtcNow - ClaimGrace;
        foreach (var staging in Directory.GetDirectories(Path.GetTempPath(), ClaimPrefix + "*"))
        {
            if (Directory.GetLastWriteTimeUtc(staging) < protectedSince)
            {
                StopCluster(staging);
            }
        }

        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), ClusterPrefix + "*"))
        {
            var owner = ReadOwner(directory);
            if (owner is { } pid ? IsAlive(pid) : Directory.GetLastWriteTimeUtc(directory) >= protectedSince)
            {
                continue;
            }

            StopCluster(directory);
        }
    }

    private static int? ReadOwner(string directory)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(directory, OwnerFile)).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var owner)
                ? owner
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void StopCluster(string directory)
    {
        var pidFile = Path.Combine(directory, "data", "postmaster.pid");
        try
        {
            if (File.Exists(pidFile)
                && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid)
                && IsAlive(pid))
            {
                using var postmaster = Process.GetProcessById(pid);
                // SIGQUIT = immediate shutdown: the postmaster takes its children down with it.
                using var kill = Process.Start(new ProcessStartInfo("kill", ["-QUIT", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                kill?.WaitForExit();
                if (!postmaster.WaitForExit(10_000))
                {
                    postmaster.Kill(entireProcessTree: true);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or System.ComponentModel.Win32Exception or IOException)
        {
            // Already gone.
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Files still held open: the watchdog or the next start removes them.
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
