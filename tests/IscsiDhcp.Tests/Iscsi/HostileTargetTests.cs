using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>Runs alone, so that allocation measured during a test is the test's own.</summary>
[CollectionDefinition(nameof(HostileTargetTests), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>
/// A target that breaks the protocol ends the connection with a specific error: no hang,
/// no allocation sized by the peer beyond the negotiated limit, no crash.
/// </summary>
[Collection(nameof(HostileTargetTests))]
public sealed class HostileTargetTests
{
    static readonly LoginSettings Settings = new() { TargetName = "iqn.2026-11.org.example:fake", InitiatorName = "iqn.2026-11.org.example:tests" };
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    static async Task<Exception> SessionFailure(IscsiProtocolSession session)
    {
        var lost = new TaskCompletionSource<Exception>();
        session.ConnectionLost += (_, e) => lost.TrySetResult(e);
        if (session.Failure is { } already) return already;
        return await lost.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_data_segment_longer_than_we_accept_ends_the_connection_before_any_allocation()
    {
        await using var target = new FakeTarget(async peer =>
        {
            var header = peer.NopIn(dataLength: Bhs.MaxDataSegmentLength);   // 16 MiB, far past our 8 KiB MaxRecvDataSegmentLength
            await peer.WriteAsync(header);
            await peer.WaitForCloseAsync();
        });
        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings with { MaxRecvDataSegmentLength = 8192 });
        var e = await SessionFailure(session);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 12 << 20, "the peer's length was allocated");
        Assert.IsAssignableFrom<IscsiProtocolException>(e);
        Assert.Contains("16777215-byte data segment", e.Message);
        Assert.Contains("8192", e.Message);
    }

    [Fact]
    public async Task A_bad_header_digest_ends_the_connection()
    {
        await using var target = new FakeTarget(async peer =>
        {
            var header = peer.NopIn();
            await peer.WriteAsync([.. header, 0xDE, 0xAD, 0xBE, 0xEF]);   // header digest on, and wrong
            await peer.WaitForCloseAsync();
        }, ("HeaderDigest", "CRC32C"));
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings with { HeaderDigest = true });
        Assert.True(session.Parameters.HeaderDigest);
        Assert.IsType<IscsiDigestException>(await SessionFailure(session));
    }

    [Fact]
    public async Task A_bad_data_digest_ends_the_connection()
    {
        await using var target = new FakeTarget(async peer =>
        {
            var header = peer.NopIn(dataLength: 4);
            await peer.WriteAsync([.. header, 1, 2, 3, 4, 0, 0, 0, 0]);   // ping data, then a wrong data digest
            await peer.WaitForCloseAsync();
        }, ("DataDigest", "CRC32C"));
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings with { DataDigest = true });
        var e = await SessionFailure(session);
        Assert.IsType<IscsiDigestException>(e);
        Assert.Contains("data digest", e.Message);
    }

    [Fact]
    public async Task An_unknown_opcode_ends_the_connection()
    {
        await using var target = new FakeTarget(async peer =>
        {
            var header = peer.NopIn();
            header[0] = 0x3B;   // not an opcode a target sends
            await peer.WriteAsync(header);
            await peer.WaitForCloseAsync();
        });
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings);
        var e = await SessionFailure(session);
        Assert.Contains("opcode 0x3B", e.Message);
    }

    [Fact]
    public async Task A_truncated_header_then_close_ends_the_connection_and_fails_the_command()
    {
        await using var target = new FakeTarget(async peer =>
        {
            await peer.ReadAsync();                       // the command
            await peer.Stream.WriteAsync(new byte[20]);   // 20 of 48 header bytes
            peer.Stream.Close();
        });
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings);
        var e = await Assert.ThrowsAsync<IscsiSessionLostException>(() => new ScsiDevice(session, 0).TestUnitReadyAsync().WaitAsync(Bound));
        Assert.IsType<IscsiConnectionClosedException>(e.InnerException);
    }

    [Fact]
    public async Task Garbage_login_keys_fail_the_login_as_a_protocol_error()
    {
        await using var target = new FakeTarget(_ => Task.CompletedTask, ("MaxBurstLength", "lots"));
        var e = await Assert.ThrowsAnyAsync<Exception>(() => IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound));
        Assert.IsAssignableFrom<IscsiProtocolException>(e);
        Assert.Contains("MaxBurstLength=lots", e.Message);
    }

    [Fact]
    public async Task Data_in_past_the_end_of_the_read_buffer_ends_the_connection()
    {
        await using var target = new FakeTarget(async peer =>
        {
            var (command, _) = await peer.ReadAsync();
            var tag = Bhs.InitiatorTaskTag(command);
            var header = new byte[Bhs.Length];
            new DataInHeader { InitiatorTaskTag = tag, BufferOffset = 4096, DataSegmentLength = 512, ExpCmdSN = 1, MaxCmdSN = 16 }.Write(header);
            await peer.WriteAsync(header, new byte[512]);
            await peer.WaitForCloseAsync();
        });
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings);
        var e = await Assert.ThrowsAsync<IscsiSessionLostException>(() => new ScsiDevice(session, 0).InquiryAsync().WaitAsync(Bound));
        Assert.Contains("runs past", e.Message);
    }

    [Fact]
    public async Task An_endless_NOP_stream_neither_hangs_a_command_nor_grows_without_bound()
    {
        using var stop = new CancellationTokenSource();
        var answered = 0;
        await using var target = new FakeTarget(async peer =>
        {
            // Flood NOP-Ins that each demand an answer, and read the answers; never answer commands.
            var reader = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var (h, _) = await peer.ReadAsync();
                    if (Bhs.Opcode(h) == IscsiOpcode.NopOut) Interlocked.Increment(ref answered);
                }
            });
            for (uint i = 0; !stop.IsCancellationRequested; i++) await peer.WriteAsync(peer.NopIn(ttt: i));
            await reader;
        });
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ScsiDevice(session, 0).TestUnitReadyAsync(timeout.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "cancelling the command took too long");
        Assert.True(Volatile.Read(ref answered) > 0, "the target's NOP-Ins were not answered");
        Assert.Equal(0, session.CommandsInFlight);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task An_async_logout_request_is_surfaced_as_an_event_with_its_wait()
    {
        await using var target = new FakeTarget(async peer =>
        {
            // Once the initiator pings (it is listening for events by then), answer and ask for a logout.
            var (ping, _) = await peer.ReadAsync();
            var reply = new byte[Bhs.Length];
            new NopInHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(ping), TargetTransferTag = Bhs.ReservedTag, StatSN = peer.StatSN++, ExpCmdSN = 0, MaxCmdSN = 16 }.Write(reply);
            await peer.WriteAsync(reply);
            var header = new byte[Bhs.Length];
            new AsyncMessageHeader { AsyncEvent = 1, Parameter3 = 20, StatSN = peer.StatSN++, ExpCmdSN = 0, MaxCmdSN = 16 }.Write(header);
            await peer.WriteAsync(header);
            await peer.WaitForCloseAsync();
        }, ("DefaultTime2Wait", "3"));
        var events = new TaskCompletionSource<IscsiAsyncEventArgs>();
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings with { DefaultTime2Wait = 2 });
        session.AsyncEvent += (_, e) => events.TrySetResult(e);
        await session.PingAsync(Bound);
        var e = await events.Task.WaitAsync(Bound);
        Assert.Equal(IscsiAsyncEventKind.LogoutRequested, e.Kind);
        Assert.Equal(TimeSpan.FromSeconds(3), e.Time2Wait);
        Assert.True(session.IsConnected);   // acting on it is the supervisor's decision
    }

    [Fact]
    public async Task A_rejected_command_fails_with_the_reason_and_the_session_goes_on()
    {
        await using var target = new FakeTarget(async peer =>
        {
            var (command, _) = await peer.ReadAsync();
            var header = new byte[Bhs.Length];
            new RejectHeader { Reason = 0x04, StatSN = peer.StatSN++, ExpCmdSN = 1, MaxCmdSN = 17, DataSegmentLength = Bhs.Length }.Write(header);
            await peer.WriteAsync(header, command);
            var (ping, _) = await peer.ReadAsync();
            var reply = new byte[Bhs.Length];
            new NopInHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(ping), TargetTransferTag = Bhs.ReservedTag, StatSN = peer.StatSN++, ExpCmdSN = 1, MaxCmdSN = 17 }.Write(reply);
            await peer.WriteAsync(reply);
            await peer.WaitForCloseAsync();
        });
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings);
        var e = await Assert.ThrowsAsync<IscsiProtocolException>(() => new ScsiDevice(session, 0).TestUnitReadyAsync().WaitAsync(Bound));
        Assert.Contains("rejected our ScsiCommand PDU (reason 0x04)", e.Message);
        await session.PingAsync(Bound);
    }
}
