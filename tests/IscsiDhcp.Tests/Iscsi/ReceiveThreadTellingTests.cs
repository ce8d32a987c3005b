using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// A session tells its commands' completions on its receive thread, between PDUs; a caller's
/// continuation that blocks there must not stall reading: the watchdog takes the role from the
/// blocked thread and the session goes on reading on another.
/// </summary>
[Collection(nameof(HostileTargetTests))]
public sealed class ReceiveThreadTellingTests
{
    static readonly LoginSettings Settings = new() { TargetName = StrictTarget.Name, InitiatorName = "iqn.2026-11.org.example:tests" };
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="onComplete"/> where it is told, and records the thread.</summary>
    sealed class Blocking(Action onComplete) : IScsiCompletion
    {
        public TaskCompletionSource Told { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? ThreadName { get; private set; }

        public void Complete(in ScsiCommandResult result)
        {
            ThreadName = Thread.CurrentThread.Name;
            onComplete();
            Told.TrySetResult();
        }

        public void Fail(Exception reason) => Told.TrySetException(reason);
    }

    static ScsiCommandRequest Read(ulong lba, byte[] buffer) =>
        new(ScsiLun.Encode(0), Cdb.Read(lba, (uint)(buffer.Length / StrictTarget.BlockSize)), buffer);

    [Fact]
    public async Task Other_callers_of_the_session_are_answered_while_a_continuation_blocks_on_the_receive_thread()
    {
        await using var target = new StrictTarget();
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound);
        using var release = new ManualResetEventSlim();
        var blocker = new Blocking(() => release.Wait(Bound));
        session.Start(Read(0, new byte[4096]), blocker);
        // Give the blocker time to be told and block (it is told on the receive thread).
        var deadline = DateTime.UtcNow + Bound;
        while (blocker.ThreadName is null && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.StartsWith("iSCSI receive", blocker.ThreadName);
        try
        {
            // Only a receive thread that replaced the blocked one can read these answers.
            var device = new ScsiDevice(session, 0);
            var buffer = new byte[4096];
            for (var i = 0; i < 50; i++) await device.ReadAsync((ulong)i, buffer, StrictTarget.BlockSize).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(blocker.Told.Task.IsCompleted);
        }
        finally
        {
            release.Set();
        }
        await blocker.Told.Task.WaitAsync(Bound);
        // The session goes on with one reader after the blocked thread let go.
        var again = new byte[4096];
        await new ScsiDevice(session, 0).ReadAsync(1, again, StrictTarget.BlockSize).AsTask().WaitAsync(Bound);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(target.Violations);
    }

    [Fact]
    public async Task A_continuation_that_waits_for_a_command_it_queued_itself_is_answered()
    {
        // Its send is held back until the completions told with it are told (it never returns
        // until answered), and its answer can only be read by another receive thread.
        await using var target = new StrictTarget();
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound);
        var inner = new Blocking(() => { });
        var outer = new Blocking(() =>
        {
            session.Start(Read(2, new byte[4096]), inner);
            inner.Told.Task.Wait(Bound);
        });
        session.Start(Read(1, new byte[4096]), outer);
        await outer.Told.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(inner.Told.Task.IsCompletedSuccessfully);
        Assert.StartsWith("iSCSI receive", outer.ThreadName);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(target.Violations);
    }

    [Fact]
    public async Task A_continuation_blocked_in_one_session_does_not_stall_another()
    {
        await using var first = new StrictTarget();
        await using var second = new StrictTarget();
        using var one = await IscsiProtocolSession.LoginAsync(first.Portal, Settings).WaitAsync(Bound);
        using var two = await IscsiProtocolSession.LoginAsync(second.Portal, Settings).WaitAsync(Bound);
        using var release = new ManualResetEventSlim();
        var blocker = new Blocking(() => release.Wait(Bound));
        one.Start(Read(0, new byte[4096]), blocker);
        try
        {
            var device = new ScsiDevice(two, 0);
            var buffer = new byte[4096];
            for (var i = 0; i < 50; i++) await device.ReadAsync((ulong)i, buffer, StrictTarget.BlockSize).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            release.Set();
        }
        await blocker.Told.Task.WaitAsync(Bound);
        await one.LogoutAsync(TimeSpan.FromSeconds(5));
        await two.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_continuation_that_closes_the_session_on_the_receive_thread_fails_the_others_and_ends_reading()
    {
        await using var target = new StrictTarget();
        var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound);
        var device = new ScsiDevice(session, 0);
        var closer = new Blocking(session.Dispose);
        // Reads in flight beside the one whose completion closes the session: each ends, read or failed.
        var others = Enumerable.Range(0, 16).Select(i => device.ReadAsync((ulong)i, new byte[4096], StrictTarget.BlockSize).AsTask()).ToArray();
        session.Start(Read(20, new byte[4096]), closer);
        await closer.Told.Task.WaitAsync(Bound);
        Assert.StartsWith("iSCSI receive", closer.ThreadName);
        foreach (var other in others)
        {
            try { await other.WaitAsync(Bound); }
            catch (ObjectDisposedException) { }
        }
        Assert.False(session.IsConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => device.ReadAsync(0, new byte[4096], StrictTarget.BlockSize).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Commands_that_continuations_start_on_another_session_go_out()
    {
        // Sent from the first session's receive thread, held back until its batch is told: a
        // send held back there and never made would leave the second session stuck.
        await using var first = new StrictTarget();
        await using var second = new StrictTarget();
        using var one = await IscsiProtocolSession.LoginAsync(first.Portal, Settings).WaitAsync(Bound);
        using var two = await IscsiProtocolSession.LoginAsync(second.Portal, Settings).WaitAsync(Bound);
        var onTwo = Enumerable.Range(0, 8).Select(_ => new Blocking(() => { })).ToArray();
        var onOne = onTwo.Select((next, i) => new Blocking(() => two.Start(Read((ulong)i, new byte[4096]), next))).ToArray();
        for (var i = 0; i < onOne.Length; i++) one.Start(Read((ulong)i, new byte[4096]), onOne[i]);
        await Task.WhenAll(onTwo.Select(b => b.Told.Task)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(onOne, b => b.ThreadName?.StartsWith("iSCSI receive", StringComparison.Ordinal) == true);
        // And the second session goes on afterwards.
        await new ScsiDevice(two, 0).ReadAsync(0, new byte[4096], StrictTarget.BlockSize).AsTask().WaitAsync(Bound);
        await one.LogoutAsync(TimeSpan.FromSeconds(5));
        await two.LogoutAsync(TimeSpan.FromSeconds(5));
    }
}
