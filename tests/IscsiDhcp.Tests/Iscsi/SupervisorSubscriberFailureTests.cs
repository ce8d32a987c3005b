using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>A subscriber that throws is its own failure, not the session's: LastError stays the session's.</summary>
public sealed class SupervisorSubscriberFailureTests
{
    [Fact]
    public async Task A_throwing_subscriber_is_reported_apart_from_the_sessions_last_error()
    {
        await using var target = new FakeTarget(async (peer, _) => await peer.WaitForCloseAsync(), 1);
        var settings = new LoginSettings { TargetName = "iqn.2026-11.test:fake", InitiatorName = "iqn.2026-11.test:initiator" };
        var supervisor = IscsiSessionSupervisor.StartSupervising(target.Portal, settings, options: new IscsiSupervisorOptions { NopInterval = TimeSpan.FromMinutes(1) });
        supervisor.Watch((_, _) => throw new InvalidOperationException("the subscriber broke"));
        try
        {
            await supervisor.WhenLoggedInAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var status = supervisor.GetStatus();
            Assert.Equal(IscsiSessionState.LoggedIn, status.State);
            Assert.Null(status.LastError);
            Assert.Contains("the subscriber broke", status.LastSubscriberError);
        }
        finally
        {
            await supervisor.DisconnectAsync(force: true);
        }
    }
}
