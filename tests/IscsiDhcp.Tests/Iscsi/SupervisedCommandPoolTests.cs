using System.Collections.Concurrent;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// The supervisor's command records are pooled (nothing allocated per I/O): a command the
/// connection loss takes down and the next session runs must still end exactly once, for its
/// own caller, and its record must not serve another command before it has ended.
/// </summary>
public sealed class SupervisedCommandPoolTests
{
    sealed class Counting : IScsiCompletion
    {
        public int Calls;
        public readonly TaskCompletionSource Ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Complete(in ScsiCommandResult result) => Note();
        public void Fail(Exception reason) => Note();
        void Note()
        {
            Interlocked.Increment(ref Calls);
            Ended.TrySetResult();
        }
    }

    [Fact]
    public async Task Commands_replayed_across_a_reconnect_end_once_each_and_their_records_serve_later_commands_only_after()
    {
        var firstSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = new FakeTarget(async (peer, connection) =>
        {
            var header = new byte[Bhs.Length];
            var seen = 0;
            while (true)
            {
                var (request, _) = await peer.ReadAsync();
                if (Bhs.Opcode(request) != IscsiOpcode.ScsiCommand) continue;
                if (connection == 0)
                {
                    // The first connection takes two commands and hangs up without answering.
                    if (++seen == 2) { firstSeen.TrySetResult(); return; }
                    continue;
                }
                new ScsiResponseHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(request), StatSN = peer.StatSN++, ExpCmdSN = Bhs.U32(request, 24) + 1, MaxCmdSN = Bhs.U32(request, 24) + 64 }.Write(header);
                await peer.WriteAsync(header);
            }
        }, 2, ("DefaultTime2Wait", "0"));
        var settings = new LoginSettings { TargetName = "iqn.2026-11.test:fake", InitiatorName = "iqn.2026-11.test:initiator", DefaultTime2Wait = 0 };
        var supervisor = IscsiSessionSupervisor.StartSupervising(target.Portal, settings, options: new IscsiSupervisorOptions { NopInterval = TimeSpan.FromMinutes(1) });
        try
        {
            await supervisor.WhenLoggedInAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var cdb = new byte[6];   // TEST UNIT READY
            var request = new ScsiCommandRequest(0, cdb);
            var replayed = new[] { new Counting(), new Counting() };
            foreach (var c in replayed) supervisor.Start(request, c);
            await firstSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
            try { await Task.WhenAll(replayed.Select(c => c.Ended.Task)).WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { Assert.Fail($"state {supervisor.State}, reconnects {supervisor.GetStatus().ReconnectCount}, calls {replayed[0].Calls} {replayed[1].Calls}, target {target.Serving.Status} {target.Serving.Exception}"); }

            // Later commands, one at a time and then many at once, reuse the records.
            var later = new ConcurrentBag<Counting>();
            for (var i = 0; i < 200; i++)
            {
                var c = new Counting();
                later.Add(c);
                supervisor.Start(request, c);
                await c.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            var burst = Enumerable.Range(0, 16).Select(_ => new Counting()).ToArray();
            foreach (var c in burst) { later.Add(c); supervisor.Start(request, c); }
            await Task.WhenAll(burst.Select(c => c.Ended.Task)).WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(200);   // a second, late call would land here

            Assert.All(replayed, c => Assert.Equal(1, c.Calls));
            Assert.All(later, c => Assert.Equal(1, c.Calls));
            Assert.Equal(1, supervisor.GetStatus().ReconnectCount);
            // 218 commands, at most 16 outstanding: the records are reused, not made per command.
            Assert.InRange(supervisor.CommandRecordsMade, 1, 20);
        }
        finally
        {
            await supervisor.DisconnectAsync(force: true);
        }
    }
}
