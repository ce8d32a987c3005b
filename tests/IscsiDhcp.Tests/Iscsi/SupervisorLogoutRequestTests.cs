using System.Collections.Concurrent;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Wire;
using S = IscsiDhcp.Iscsi.Supervisor.IscsiSessionState;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>A target that asks for a logout (AsyncEvent 1): the supervisor logs out, waits Time2Wait and logs in again.</summary>
public sealed class SupervisorLogoutRequestTests
{
    [Fact]
    public async Task A_target_logout_request_is_a_logout_a_wait_of_Time2Wait_and_a_new_login()
    {
        var loggedOut = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = new FakeTarget(async (peer, connection) =>
        {
            if (connection == 1)
            {
                await peer.WaitForCloseAsync();
                return;
            }
            var header = new byte[Bhs.Length];
            new AsyncMessageHeader { AsyncEvent = 1, Parameter3 = 5, StatSN = peer.StatSN++, ExpCmdSN = 0, MaxCmdSN = 16 }.Write(header);
            await peer.WriteAsync(header);
            while (true)
            {
                var (request, _) = await peer.ReadAsync();
                if (Bhs.Opcode(request) != IscsiOpcode.LogoutRequest) continue;
                var logout = LogoutRequestHeader.Read(request);
                Assert.Equal(LogoutReason.CloseSession, logout.Reason);
                new LogoutResponseHeader { InitiatorTaskTag = logout.InitiatorTaskTag, StatSN = peer.StatSN++, ExpCmdSN = 0, MaxCmdSN = 16 }.Write(header);
                await peer.WriteAsync(header);
                loggedOut.TrySetResult(DateTimeOffset.UtcNow);
                return;   // and hang up
            }
        }, 2, ("DefaultTime2Wait", "1"));

        var changes = new ConcurrentQueue<IscsiSessionStateChange>();
        var settings = new LoginSettings { TargetName = "iqn.2026-11.test:fake", InitiatorName = "iqn.2026-11.test:initiator", DefaultTime2Wait = 1 };
        var supervisor = IscsiSessionSupervisor.StartSupervising(target.Portal, settings, options: new IscsiSupervisorOptions { NopInterval = TimeSpan.FromMinutes(1) });
        foreach (var earlier in supervisor.Watch((_, c) => changes.Enqueue(c))) changes.Enqueue(earlier);
        try
        {
            await supervisor.WhenLoggedInAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var sentLogout = await loggedOut.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (supervisor.GetStatus().ReconnectCount < 1 || supervisor.State != S.LoggedIn)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), string.Join(" | ", changes));
                await Task.Delay(20);
            }
            var path = changes.Select(c => c.To).ToList();
            Assert.Equal([S.LogoutRequested, S.InLogout, S.Free, S.XptWait, S.InLogin, S.LoggedIn], path.SkipWhile(s => s != S.LogoutRequested));
            var back = changes.First(c => c.To == S.Free).Time;
            var relogin = changes.Last(c => c.To == S.XptWait).Time;
            Assert.True(relogin - back >= TimeSpan.FromSeconds(0.9), $"logged in again {(relogin - back).TotalSeconds} s after the logout; DefaultTime2Wait is 1 s");
            Assert.True(back >= sentLogout.AddMilliseconds(-50));
        }
        finally
        {
            await supervisor.DisconnectAsync(force: true);
        }
    }
}
