using System.Threading.Channels;
using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>
/// The base of every contract test class: a fresh, empty store per test (through <see cref="IStoreHarness"/>) and
/// helpers. Each area's abstract class is run by one subclass per store; any difference between the stores is a bug
/// in one of them.
/// </summary>
public abstract class StoreContract : JobStoreTest<IJobStore>
{
    /// <summary>Generous: the machine running the suite may be loaded.</summary>
    protected static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    /// <summary>How far PostgreSQL's real clock may move during one test.</summary>
    protected static readonly TimeSpan ClockDrift = TimeSpan.FromSeconds(30);

    protected StoreContract(IStoreHarness harness)
    {
        Harness = harness ?? throw new ArgumentNullException(nameof(harness));
    }

    protected IStoreHarness Harness { get; }

    protected override IJobStore Store => Harness.Store;

    public override Task InitializeAsync() => Harness.ResetAsync();

    protected async Task<int> CountJobsAsync() => (await Store.ListJobsAsync(JobFilter.All)).Count;

    protected async Task<List<string>> EventTypesAsync(long jobId) =>
        (await Harness.EventsAsync(jobId)).Select(e => e.Type).ToList();

    protected async Task<IReadOnlyList<long>> FetchIdsAsync(long worker, IReadOnlyList<string>? queues = null, int limit = 10) =>
        (await Store.FetchJobsAsync(new FetchJobsParams(worker, queues, limit))).Select(j => j.Id).ToList();

    /// <summary>Asserts that two times are the same within the drift of a real clock.</summary>
    protected static void AssertClose(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.InRange(actual, expected - ClockDrift, expected + ClockDrift);

    /// <summary>Listens on the store and records what arrives.</summary>
    protected async Task<NotificationRecorder> ListenAsync(IReadOnlyList<string>? queues = null)
    {
        var recorder = new NotificationRecorder();
        recorder.Subscription = await Store.ListenAsync(queues, recorder.OnNotificationAsync);
        return recorder;
    }

    protected sealed class NotificationRecorder : IAsyncDisposable
    {
        private readonly Channel<JobNotification> _received = Channel.CreateUnbounded<JobNotification>();

        internal IAsyncDisposable? Subscription { get; set; }

        /// <summary>Set to make the callback throw (the store must go on delivering).</summary>
        public bool Throw { get; set; }

        public async Task<JobNotification> NextAsync()
        {
            using var timeout = new CancellationTokenSource(WaitLimit);
            return await _received.Reader.ReadAsync(timeout.Token);
        }

        /// <summary>Whether something arrived that was not read yet.</summary>
        public bool HasMore => _received.Reader.TryPeek(out _);

        public async ValueTask DisposeAsync()
        {
            if (Subscription is not null)
            {
                await Subscription.DisposeAsync();
            }
        }

        internal ValueTask OnNotificationAsync(JobNotification notification)
        {
            _received.Writer.TryWrite(notification);
            if (Throw)
            {
                throw new InvalidOperationException("callback failure");
            }

            return ValueTask.CompletedTask;
        }
    }
}
