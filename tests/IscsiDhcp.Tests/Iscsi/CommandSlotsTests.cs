using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// Commands beyond a session's queue depth wait in line for a slot, which a finishing command
/// hands to the first of them; commands beyond the target's window wait for it to open. Both are
/// sent by the receive thread after the PDU that freed them.
/// </summary>
[Collection(nameof(HostileTargetTests))]
public sealed class CommandSlotsTests
{
    static readonly LoginSettings Settings = new() { TargetName = StrictTarget.Name, InitiatorName = "iqn.2026-11.org.example:tests" };
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    sealed class Recorder : IScsiCompletion
    {
        public TaskCompletionSource Told { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Complete(in ScsiCommandResult result) => Told.TrySetResult();
        public void Fail(Exception reason) => Told.TrySetException(reason);
    }

    static ScsiCommandRequest Read(ulong lba) => new(ScsiLun.Encode(0), Cdb.Read(lba, 1), new byte[StrictTarget.BlockSize]);

    [Fact]
    public void A_released_slot_goes_to_the_first_command_still_waiting_in_line()
    {
        var slots = new CommandSlots(1);
        using var cancelC = new CancellationTokenSource();
        var (a, b, c, d) = (new Recorder(), new Recorder(), new Recorder(), new Recorder());
        Assert.True(slots.TryTakeOrWait(Read(0), a, default));
        Assert.False(slots.TryTakeOrWait(Read(1), b, default));
        Assert.False(slots.TryTakeOrWait(Read(2), c, cancelC.Token));
        Assert.False(slots.TryTakeOrWait(Read(3), d, default));

        cancelC.Cancel();
        var failure = Assert.IsType<OperationCanceledException>(c.Told.Task.Exception?.InnerException);
        Assert.Contains("before it was sent", failure.Message);

        Assert.Same(b, slots.Release()?.Completion);
        Assert.Same(d, slots.Release()?.Completion);   // c left the line
        Assert.Null(slots.Release());                  // nobody waits: the slot is free
        Assert.True(slots.TryTakeOrWait(Read(4), new Recorder(), default));
        Assert.False(slots.TryTakeOrWait(Read(5), new Recorder(), default));
        Assert.False(b.Told.Task.IsCompleted || d.Told.Task.IsCompleted);
    }

    [Fact]
    public void A_command_already_cancelled_fails_at_once_when_no_slot_is_free_and_does_not_wait()
    {
        var slots = new CommandSlots(1);
        Assert.True(slots.TryTakeOrWait(Read(0), new Recorder(), default));
        var late = new Recorder();
        Assert.False(slots.TryTakeOrWait(Read(1), late, new CancellationToken(canceled: true)));
        Assert.IsType<OperationCanceledException>(late.Told.Task.Exception?.InnerException);
        Assert.Null(slots.Release());
    }

    [Theory]
    [InlineData(2, 32)]    // the queue depth holds them back: slots handed on
    [InlineData(64, 3)]    // the target's window holds them back: sent as it opens
    public async Task Commands_held_back_are_all_sent_and_answered_with_their_data(int queueDepth, int window)
    {
        await using var target = new StrictTarget(new StrictTargetOptions { Window = window });
        Random.Shared.NextBytes(target.Disk);
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings, new IscsiSessionOptions { QueueDepth = queueDepth }).WaitAsync(Bound);
        var device = new ScsiDevice(session, 0);
        var buffers = Enumerable.Range(0, 200).Select(_ => new byte[StrictTarget.BlockSize]).ToArray();
        var reads = buffers.Select((buffer, i) => device.ReadAsync((ulong)i, buffer, StrictTarget.BlockSize).AsTask()).ToArray();
        await Task.WhenAll(reads).WaitAsync(Bound);
        for (var i = 0; i < buffers.Length; i++)
            Assert.True(buffers[i].AsSpan().SequenceEqual(target.Disk.AsSpan(i * StrictTarget.BlockSize, StrictTarget.BlockSize)), $"block {i}");
        Assert.Equal(0, session.CommandsInFlight);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(target.Violations);
    }
}
