using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Iscsi;

public sealed class CompletionDispatcherTests
{
    sealed class Recorder(Action<ScsiCommandResult>? onComplete = null) : IScsiCompletion
    {
        public TaskCompletionSource<ScsiCommandResult> Told { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int ThreadId { get; private set; }

        public void Complete(in ScsiCommandResult result)
        {
            ThreadId = Environment.CurrentManagedThreadId;
            onComplete?.Invoke(result);
            Told.TrySetResult(result);
        }

        public void Fail(Exception reason) => Told.TrySetException(reason);
    }

    [Fact]
    public async Task Results_and_errors_reach_their_completion_off_the_posting_thread()
    {
        var good = new Recorder();
        var failed = new Recorder();
        CompletionDispatcher.Post(good, new ScsiCommandResult(0, [], 4096, false, false, 0), null);
        CompletionDispatcher.Post(failed, default, new IOException("gone"));
        Assert.Equal(4096, (await good.Told.Task.WaitAsync(TimeSpan.FromSeconds(5))).BytesTransferred);
        await Assert.ThrowsAsync<IOException>(() => failed.Told.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.NotEqual(Environment.CurrentManagedThreadId, good.ThreadId);
    }

    [Fact]
    public void A_send_is_held_back_only_on_a_dispatcher_thread()
    {
        var ran = false;
        Assert.False(CompletionDispatcher.TryDefer(() => ran = true));
        Assert.False(ran);
    }

    [Fact]
    public async Task A_completion_that_waits_for_the_send_it_held_back_is_rescued_by_the_watchdog()
    {
        // As a caller that queues a command from its continuation and then blocks until it is
        // answered: its send is held back until the completion returns, which it never would.
        using var sent = new ManualResetEventSlim();
        var deferred = false;
        var waiter = new Recorder(_ =>
        {
            deferred = CompletionDispatcher.TryDefer(sent.Set);
            sent.Wait(TimeSpan.FromSeconds(20));
        });
        CompletionDispatcher.Post(waiter, default, null);
        await waiter.Told.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(deferred, "the send was not held back on the dispatcher thread");
        Assert.True(sent.IsSet);
    }

    [Fact]
    public async Task Completions_that_block_until_later_ones_are_told_do_not_deadlock()
    {
        // Every dispatcher thread (and more) blocks in a completion that waits for the last one:
        // only a thread started because the work stalled can tell it.
        var last = new Recorder();
        var blockers = Enumerable.Range(0, Environment.ProcessorCount + 2)
            .Select(_ => new Recorder(_ => last.Told.Task.Wait(TimeSpan.FromSeconds(30))))
            .ToArray();
        foreach (var blocker in blockers) CompletionDispatcher.Post(blocker, default, null);
        CompletionDispatcher.Post(last, default, null);
        await Task.WhenAll(blockers.Select(b => b.Told.Task)).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
