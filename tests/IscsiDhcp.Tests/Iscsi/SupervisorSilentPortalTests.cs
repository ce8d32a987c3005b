using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// A portal that accepts TCP and never says a word (the kernel completes the handshake; nobody
/// reads): a login that gets no answer must end when its owner says so, at once, and within
/// FirstLoginTimeout with the time it really spent.
/// </summary>
public sealed class SupervisorSilentPortalTests : IDisposable
{
    readonly TcpListener silent = new(IPAddress.Loopback, 0);
    readonly TargetAddress portal;

    public SupervisorSilentPortalTests()
    {
        silent.Start();
        portal = new TargetAddress("127.0.0.1", ((IPEndPoint)silent.LocalEndpoint).Port);
    }

    public void Dispose() => silent.Stop();

    static LoginSettings Settings => new() { TargetName = "iqn.2026-11.test:silent", InitiatorName = "iqn.2026-11.test:initiator" };

    static async Task WaitForStateAsync(IscsiSessionSupervisor supervisor, IscsiSessionState state)
    {
        var deadline = Stopwatch.StartNew();
        while (supervisor.State != state)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"still {supervisor.State}, not {state}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_graceful_disconnect_during_a_login_that_gets_no_answer_is_as_prompt_as_a_forced_one()
    {
        var supervisor = IscsiSessionSupervisor.StartSupervising(portal, Settings, new IscsiSessionOptions { LoginTimeout = TimeSpan.FromSeconds(30) });
        await WaitForStateAsync(supervisor, IscsiSessionState.InLogin);
        var clock = Stopwatch.StartNew();
        await supervisor.DisconnectAsync(force: false).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(IscsiSessionState.CleanupWait, supervisor.State);
        Assert.Null(supervisor.Failure);
    }

    [Fact]
    public async Task FirstLoginTimeout_ends_a_login_that_gets_no_answer_saying_how_long_it_tried()
    {
        var clock = Stopwatch.StartNew();
        var supervisor = IscsiSessionSupervisor.StartSupervising(portal, Settings, new IscsiSessionOptions { LoginTimeout = TimeSpan.FromSeconds(30) },
            new IscsiSupervisorOptions { FirstLoginTimeout = TimeSpan.FromSeconds(1) });
        var failure = await Assert.ThrowsAsync<IscsiLoginTimeoutException>(() => supervisor.WhenLoggedInAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:0.0} s");
        // Connected and waiting for the login's answer, or (on a loaded machine) still connecting: either way one attempt, and the time it really took.
        var said = System.Text.RegularExpressions.Regex.Match(failure.Message,
            @"^no login to iqn\.2026-11\.test:silent at 127\.0\.0\.1:\d+ within (?<s>\d+\.\d) s \(1 attempt\); (connected to 127\.0\.0\.1:\d+, but the login got no answer|no TCP connection to 127\.0\.0\.1:\d+)$");
        Assert.True(said.Success, failure.Message);
        var seconds = double.Parse(said.Groups["s"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 0.95, clock.Elapsed.TotalSeconds + 0.05);
        await supervisor.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Same(failure, supervisor.Failure);
    }
}
