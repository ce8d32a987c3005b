using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// The receive side as libiscsi's: serial numbers are taken from every PDU that carries
/// them, once, before the PDU is handled; and a reply ends a task only when it is the kind
/// of reply that task awaits (issue 14, point 2).
/// </summary>
[Collection(nameof(HostileTargetTests))]
public sealed class ReplyMatchingTests
{
    static readonly LoginSettings Settings = new() { TargetName = "iqn.2026-11.org.example:fake", InitiatorName = "iqn.2026-11.org.example:tests" };
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>What the initiator starts: a SCSI command, a ping, a text exchange, task management or a logout.</summary>
    public enum Request { Command, Ping, Text, TaskManagement, Logout }

    static Task Begin(IscsiProtocolSession session, Request request) => request switch
    {
        Request.Command => new ScsiDevice(session, 0).TestUnitReadyAsync(),
        Request.Ping => session.PingAsync(Bound),
        Request.Text => session.TextAsync([new TextKeyValue("SendTargets", "All")]),
        Request.TaskManagement => session.TaskManagementAsync(TaskManagementFunction.LogicalUnitReset, 0),
        _ => session.LogoutAsync(Bound),
    };

    /// <summary>A reply of <paramref name="opcode"/> for task <paramref name="tag"/>, well formed in every other way.</summary>
    static byte[] Reply(IscsiOpcode opcode, uint tag, uint statSN)
    {
        var h = new byte[Bhs.Length];
        switch (opcode)
        {
            case IscsiOpcode.ScsiResponse:
                new ScsiResponseHeader { InitiatorTaskTag = tag, StatSN = statSN, ExpCmdSN = 1, MaxCmdSN = 16 }.Write(h);
                break;
            case IscsiOpcode.NopIn:
                new NopInHeader { InitiatorTaskTag = tag, TargetTransferTag = Bhs.ReservedTag, StatSN = statSN, ExpCmdSN = 1, MaxCmdSN = 16 }.Write(h);
                break;
            case IscsiOpcode.TextResponse:
                new TextResponseHeader { Final = true, InitiatorTaskTag = tag, TargetTransferTag = Bhs.ReservedTag, StatSN = statSN, ExpCmdSN = 1, MaxCmdSN = 16 }.Write(h);
                break;
            case IscsiOpcode.TaskManagementResponse:
                new TaskManagementResponseHeader { InitiatorTaskTag = tag, StatSN = statSN, ExpCmdSN = 1, MaxCmdSN = 16 }.Write(h);
                break;
            case IscsiOpcode.LogoutResponse:
                new LogoutResponseHeader { InitiatorTaskTag = tag, StatSN = statSN, ExpCmdSN = 1, MaxCmdSN = 16 }.Write(h);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(opcode), opcode, "not a reply this test sends");
        }
        return h;
    }

    [Theory]
    [InlineData(Request.Ping, IscsiOpcode.ScsiResponse)]
    [InlineData(Request.Logout, IscsiOpcode.TextResponse)]
    [InlineData(Request.Command, IscsiOpcode.NopIn)]
    [InlineData(Request.Command, IscsiOpcode.LogoutResponse)]
    [InlineData(Request.Ping, IscsiOpcode.TaskManagementResponse)]
    [InlineData(Request.Logout, IscsiOpcode.NopIn)]
    [InlineData(Request.TaskManagement, IscsiOpcode.LogoutResponse)]
    [InlineData(Request.Text, IscsiOpcode.NopIn)]
    public async Task A_reply_of_another_kind_for_a_task_fails_the_connection_and_never_completes_the_task(Request request, IscsiOpcode reply)
    {
        var tag = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = new FakeTarget(async peer =>
        {
            var (header, _) = await peer.ReadAsync();
            tag.TrySetResult(Bhs.InitiatorTaskTag(header));
            await peer.WriteAsync(Reply(reply, Bhs.InitiatorTaskTag(header), peer.StatSN++));
            await peer.WaitForCloseAsync();
        });
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound);
        var lost = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.ConnectionLost += (_, e) => lost.TrySetResult(e);

        var e = await Assert.ThrowsAsync<IscsiSessionLostException>(() => Begin(session, request).WaitAsync(Bound));

        var reason = await lost.Task.WaitAsync(Bound);
        Assert.IsType<IscsiProtocolException>(reason);
        Assert.Same(reason, session.Failure);
        Assert.Same(reason, e.InnerException);
        Assert.Contains($"{reply} for task 0x{await tag.Task:X8}", reason.Message);
        Assert.Contains("awaits", reason.Message);
        Assert.False(session.IsConnected);
    }

    /// <summary>
    /// The target's window starts closed; each kind of PDU in turn opens it by one CmdSN, and a
    /// waiting command may then go out only because that PDU's MaxCmdSN was taken. The command
    /// carries ExpStatSN, which shows whether the PDU's StatSN was taken (or, for R2T, NOP-In
    /// without a task and Data-In without status, rightly left alone: RFC 7143 sections 11.7.4,
    /// 11.8.3, 11.19.3).
    /// </summary>
    [Fact]
    public async Task Every_kind_of_PDU_moves_the_command_window_and_StatSN_where_it_carries_one()
    {
        var ready = new TaskCompletionSource<IscsiProtocolSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readData = new byte[1024];
        new Random(14).NextBytes(readData);
        var readBuffer = new byte[1024];
        await using var target = new FakeTarget(async peer =>
        {
            var session = await ready.Task;
            var device = new ScsiDevice(session, 0);
            uint cmdSN = 0;
            var statSN = peer.StatSN;   // the next StatSN; the initiator's ExpStatSN
            var step = "";

            async Task<(byte[] Header, byte[] Data)> Read()
            {
                try { return await peer.ReadAsync().WaitAsync(TimeSpan.FromSeconds(5)); }
                catch (TimeoutException) { throw new Xunit.Sdk.XunitException($"after {step}, nothing came from the initiator: the window did not move"); }
            }

            async Task<byte[]> Command(uint expStatSN)
            {
                var (h, _) = await Read();
                Assert.Equal(IscsiOpcode.ScsiCommand, Bhs.Opcode(h));
                var c = ScsiCommandHeader.ReadFrom(h);
                Assert.True(cmdSN == c.CmdSN, $"after {step}: CmdSN {c.CmdSN} where {cmdSN} was due");
                Assert.True(expStatSN == c.ExpStatSN, $"after {step}: ExpStatSN {c.ExpStatSN} where {expStatSN} was due");
                cmdSN++;
                return h;
            }

            // Commands whose only use is to wait for the window; the logout at the end fails them.
            Task Tur() => device.TestUnitReadyAsync();

            // 1. A NOP-In that asks for nothing: window yes, StatSN no.
            step = "a NOP-In without a task";
            _ = Tur();
            var h0 = new byte[Bhs.Length];
            new NopInHeader { InitiatorTaskTag = Bhs.ReservedTag, TargetTransferTag = Bhs.ReservedTag, StatSN = statSN, ExpCmdSN = 0, MaxCmdSN = 0 }.Write(h0);
            await peer.WriteAsync(h0);
            var c0 = await Command(statSN);

            // 2. A SCSI Response.
            step = "a SCSI Response";
            var c1Outcome = Tur();
            var h1 = new byte[Bhs.Length];
            new ScsiResponseHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(c0), StatSN = statSN++, ExpCmdSN = 1, MaxCmdSN = 1 }.Write(h1);
            await peer.WriteAsync(h1);
            var c1 = await Command(statSN);

            // 3. An Asynchronous Message.
            step = "an Async Message";
            _ = Tur();
            var h2 = new byte[Bhs.Length];
            new AsyncMessageHeader { AsyncEvent = 255, StatSN = statSN++, ExpCmdSN = 2, MaxCmdSN = 2 }.Write(h2);
            await peer.WriteAsync(h2);
            await Command(statSN);

            // 4. A Reject (of the command from step 2, which fails with it).
            step = "a Reject";
            _ = Tur();
            var h3 = new byte[Bhs.Length];
            new RejectHeader { Reason = 0x09, StatSN = statSN++, ExpCmdSN = 3, MaxCmdSN = 3, DataSegmentLength = Bhs.Length }.Write(h3);
            await peer.WriteAsync(h3, c1);
            await Command(statSN);
            await Assert.ThrowsAsync<IscsiProtocolException>(() => c1Outcome.WaitAsync(Bound));

            // 5. The NOP-In that answers a ping.
            step = "a NOP-In answering a ping";
            _ = Tur();
            var ping = session.PingAsync(Bound);
            var (pingOut, _) = await Read();
            Assert.Equal(IscsiOpcode.NopOut, Bhs.Opcode(pingOut));
            var h4 = new byte[Bhs.Length];
            new NopInHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(pingOut), TargetTransferTag = Bhs.ReservedTag, StatSN = statSN++, ExpCmdSN = 4, MaxCmdSN = 4 }.Write(h4);
            await peer.WriteAsync(h4);
            await Command(statSN);
            await ping.WaitAsync(Bound);

            // 6. A Task Management Response (the command queued now is a read, for steps 7 and 8).
            step = "a Task Management Response";
            var read = device.RunAsync("READ", [0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0], readBuffer).AsTask();
            var tmf = session.TaskManagementAsync(TaskManagementFunction.LogicalUnitReset, 0);
            var (tmfOut, _) = await Read();
            Assert.Equal(IscsiOpcode.TaskManagementRequest, Bhs.Opcode(tmfOut));
            var h5 = new byte[Bhs.Length];
            new TaskManagementResponseHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(tmfOut), StatSN = statSN++, ExpCmdSN = 5, MaxCmdSN = 5 }.Write(h5);
            await peer.WriteAsync(h5);
            var readCommand = await Command(statSN);
            Assert.Equal(0, await tmf.WaitAsync(Bound));

            // 7. Data-In without status: window yes, StatSN no (its StatSN field is reserved).
            step = "Data-In without status";
            _ = Tur();
            var h6 = new byte[Bhs.Length];
            new DataInHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(readCommand), TargetTransferTag = Bhs.ReservedTag, StatSN = statSN + 100, ExpCmdSN = 6, MaxCmdSN = 6, DataSN = 0, BufferOffset = 0, DataSegmentLength = 512 }.Write(h6);
            await peer.WriteAsync(h6, readData[..512]);
            await Command(statSN);

            // 8. Data-In with status (the command queued now is a write, for step 9).
            step = "Data-In with status";
            var written = new byte[512];
            var write = device.RunAsync("WRITE", [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0], writeData: written).AsTask();
            var h7 = new byte[Bhs.Length];
            new DataInHeader { Final = true, HasStatus = true, InitiatorTaskTag = Bhs.InitiatorTaskTag(readCommand), TargetTransferTag = Bhs.ReservedTag, StatSN = statSN++, ExpCmdSN = 7, MaxCmdSN = 7, DataSN = 1, BufferOffset = 512, DataSegmentLength = 512 }.Write(h7);
            await peer.WriteAsync(h7, readData[512..]);
            var writeCommand = await Command(statSN);
            var readResult = await read.WaitAsync(Bound);
            Assert.Equal(1024, readResult.BytesTransferred);

            // 9. An R2T: window yes, StatSN no. Its Data-Out and the next command come in either order.
            step = "an R2T";
            _ = Tur();
            var h8 = new byte[Bhs.Length];
            new ReadyToTransferHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(writeCommand), TargetTransferTag = 0x1234, StatSN = statSN, ExpCmdSN = 8, MaxCmdSN = 8, BufferOffset = 0, DesiredDataTransferLength = 512 }.Write(h8);
            await peer.WriteAsync(h8);
            for (var i = 0; i < 2; i++)
            {
                var (h, _) = await Read();
                if (Bhs.Opcode(h) == IscsiOpcode.DataOut)
                {
                    Assert.Equal(statSN, DataOutHeader.Read(h).ExpStatSN);
                    continue;
                }
                Assert.Equal(IscsiOpcode.ScsiCommand, Bhs.Opcode(h));
                var c = ScsiCommandHeader.ReadFrom(h);
                Assert.Equal(cmdSN++, c.CmdSN);
                Assert.Equal(statSN, c.ExpStatSN);
            }

            // 10. A Text Response. The text request itself waits for the window (it is numbered):
            // the write's SCSI Response lets it go.
            step = "the SCSI Response that lets the text request go";
            var text = session.TextAsync([new TextKeyValue("SendTargets", "All")]);
            var h9 = new byte[Bhs.Length];
            new ScsiResponseHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(writeCommand), StatSN = statSN++, ExpCmdSN = 9, MaxCmdSN = 9 }.Write(h9);
            await peer.WriteAsync(h9);
            var (textOut, _) = await Read();
            Assert.Equal(IscsiOpcode.TextRequest, Bhs.Opcode(textOut));
            Assert.Equal(cmdSN++, Bhs.U32(textOut, 24));
            Assert.Equal(statSN, Bhs.U32(textOut, 28));
            await write.WaitAsync(Bound);
            step = "a Text Response";
            _ = Tur();
            var textData = TextCodec.Encode([new TextKeyValue("TargetName", "iqn.2026-11.org.example:fake")]);
            var h10 = new byte[Bhs.Length];
            new TextResponseHeader { Final = true, InitiatorTaskTag = Bhs.InitiatorTaskTag(textOut), TargetTransferTag = Bhs.ReservedTag, StatSN = statSN++, ExpCmdSN = 10, MaxCmdSN = 10, DataSegmentLength = textData.Length }.Write(h10);
            await peer.WriteAsync(h10, textData);
            await Command(statSN);
            Assert.Equal("iqn.2026-11.org.example:fake", Assert.Single(await text.WaitAsync(Bound)).Value);

            // 11. A Logout Response ends the session, so the window it carries cannot be seen
            // through a command; its StatSN is what the logout request acknowledged before it.
            var logout = session.LogoutAsync(Bound);
            var (logoutOut, _) = await Read();
            Assert.Equal(IscsiOpcode.LogoutRequest, Bhs.Opcode(logoutOut));
            Assert.Equal(statSN, Bhs.U32(logoutOut, 28));
            var h11 = new byte[Bhs.Length];
            new LogoutResponseHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(logoutOut), StatSN = statSN++, ExpCmdSN = 11, MaxCmdSN = 11 }.Write(h11);
            await peer.WriteAsync(h11);
            await logout.WaitAsync(Bound);
        }, window: 0, ("InitialR2T", "Yes"), ("ImmediateData", "No"));
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings with { InitialR2T = true, ImmediateData = false }).WaitAsync(Bound);
        ready.SetResult(session);
        await target.Serving.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(session.Failure);
        Assert.Equal(readData, readBuffer);
    }
}
