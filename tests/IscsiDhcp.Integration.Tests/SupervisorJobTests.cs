using System.Diagnostics;
using System.Text.RegularExpressions;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Dhcp;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Leases;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Integration.Tests;

/// <summary>What supervisor jobs report (the Core side of the Job2 adapter), and what removing the module does to sessions and leases.</summary>
public sealed class SupervisorJobTests : IDisposable
{
    const string Initiator = "iqn.2026-11.org.iscsidhcp:jobs";
    readonly LabRun run = LabRun.Create();
    readonly DhcpAgent agent;
    readonly InProcessService service;

    public SupervisorJobTests()
    {
        agent = new DhcpAgent(new DhcpLeaseStore(Path.Combine(run.Directory, "leases")));
        service = new InProcessService(agent);
    }

    public void Dispose()
    {
        foreach (var s in service.GetSessionsAsync(default).GetAwaiter().GetResult())
            service.DisconnectSessionAsync(s.SessionIdentifier, force: true, default).Wait(TimeSpan.FromSeconds(5));
        agent.Dispose();
        run.Dispose();
    }

    static async Task WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{what} did not happen");
            await Task.Delay(20);
        }
    }

    /// <summary>Connect -AsJob: the session starts and its job is made at once, by the operation through the same factory the cmdlet uses.</summary>
    async Task<(IscsiSessionStatus Session, IscsiSessionWatch Watch, RecordingSink Sink)> StartSession(TgtdServer tgtd, TgtdTarget target, IscsiLoginParameters? login = null)
    {
        var connect = new ConnectIscsiTargetOperation(service)
        {
            NodeAddress = target.Name,
            TargetPortalAddress = tgtd.PortalAddress,
            TargetPortalPortNumber = tgtd.PortalPort,
            Supervision = new IscsiSupervisorOptions { ReconnectDelay = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromSeconds(1) },
            AsJob = true,
        };
        connect.Login.InitiatorName = Initiator;
        if (login is not null)
        {
            connect.Login.AuthenticationType = login.AuthenticationType;
            connect.Login.ChapUserName = login.ChapUserName;
            connect.Login.ChapSecret = login.ChapSecret;
        }
        var jobs = new RecordingJobs(service);
        var host = new RecordingHost();
        await connect.RunAsync(host, jobs);
        var (watch, sink) = jobs.Only;
        Assert.Same(sink, Assert.Single(host.Objects));   // -AsJob writes the job, not the session
        return (Assert.Single(await service.GetSessionsAsync(default), s => s.SessionIdentifier == watch.SessionIdentifier), watch, sink);
    }

    [Fact]
    public async Task A_session_job_reports_transitions_a_reconnect_as_progress_and_its_cause_as_an_error_and_stopping_logs_out()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        var (session, watch, sink) = await StartSession(tgtd, target);   // the job watches from before the login, as -AsJob does
        using var watching = watch;
        await service.WaitForLoginAsync(session.SessionIdentifier, default).WaitAsync(TimeSpan.FromSeconds(20));

        var shown = tgtd.Admin("--op", "show", "--mode", "conn", "--tid", "1").StandardOutput;
        tgtd.Admin("--op", "delete", "--mode", "conn", "--tid", "1", "--sid", Regex.Match(shown, @"Session:\s*(\d+)").Groups[1].Value, "--cid", "0");
        await WaitFor(() => sink.Progress.Any(p => p.Completed), "the reconnect's progress to complete");
        Assert.Contains(sink.Progress, p => !p.Completed && p.Activity.Contains(target.Name, StringComparison.Ordinal));
        Assert.Contains(sink.Errors, e => e.Kind == ErrorKind.ConnectionError);

        await watch.StopAsync(force: false);
        Assert.Null(await sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var states = sink.Output.OfType<IscsiSessionStateChange>().Select(c => c.To).ToList();
        Assert.Equal(IscsiSessionState.LoggedIn, states[2]);
        Assert.Equal([IscsiSessionState.InLogout, IscsiSessionState.CleanupWait], states.TakeLast(2));
        Assert.Empty(await service.GetSessionsAsync(default));
    }

    [Fact]
    public async Task A_job_whose_login_is_refused_ends_with_the_reason_as_an_error()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { IncomingAccounts = [IscsiTargetFixture.Chap] });
        var secret = new System.Security.SecureString();
        foreach (var c in "wrong-secret-456") secret.AppendChar(c);
        var (_, watch, sink) = await StartSession(tgtd, target, new IscsiLoginParameters { AuthenticationType = IscsiAuthenticationType.OneWayChap, ChapUserName = IscsiTargetFixture.Chap.User, ChapSecret = secret });
        using var watching = watch;
        var failure = await sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.IsType<IscsiDhcp.Iscsi.Login.IscsiLoginException>(failure);
        Assert.Equal("IscsiAuthenticationFailed", Assert.Single(sink.Errors).ErrorId);
    }

    [Fact]
    public async Task A_lease_job_reports_lease_events_and_stopping_it_drops_the_lease()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        var start = new StartDhcpLeaseOperation(service.Leases) { InterfaceName = network.ClientInterface, Configure = true, ClientOptions = new DhcpClientOptions { StartDelayMax = TimeSpan.Zero } };
        var host = new RecordingHost();
        await start.RunAsync(host);
        var lease = host.Only<DhcpLeaseStatus>();
        var sink = new RecordingSink();
        using var watch = await DhcpLeaseWatch.StartAsync(service.Leases, lease.Key, sink);

        await agent.ExtendAsync(network.ClientInterface, wait: TimeSpan.FromSeconds(20));
        await WaitFor(() => sink.Output.OfType<DhcpLeaseEventArgs>().Any(e => e.Kind == DhcpLeaseEventKind.Extended), "an Extended event");
        await watch.StopAsync();
        Assert.Null(await sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(sink.Output.OfType<DhcpLeaseEventArgs>(), e => e.Kind == DhcpLeaseEventKind.Dropped);
        Assert.Empty(agent.StatusAll());
        Assert.Contains(lease.Address!.ToString(), network.ReadLeases());   // dropped, not released
    }

    [Fact]
    public async Task Removing_the_module_logs_every_session_out_and_drops_every_lease_without_releasing()
    {
        var tgtd = TgtdServer.Start(run);
        var first = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        var second = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        var sessions = new[] { await StartSession(tgtd, first), await StartSession(tgtd, second) };
        foreach (var s in sessions) await service.WaitForLoginAsync(s.Session.SessionIdentifier, default).WaitAsync(TimeSpan.FromSeconds(20));
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        var host = new RecordingHost();
        await new StartDhcpLeaseOperation(service.Leases) { InterfaceName = network.ClientInterface, ClientOptions = new DhcpClientOptions { StartDelayMax = TimeSpan.Zero } }.RunAsync(host);
        var address = host.Only<DhcpLeaseStatus>().Address!.ToString();

        await service.ShutdownAsync(TimeSpan.FromSeconds(10));
        foreach (var s in sessions) await s.Sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(sessions, s => Assert.Equal(IscsiSessionState.CleanupWait, s.Sink.Output.OfType<IscsiSessionStateChange>().Last().To));
        Assert.DoesNotContain(Initiator, tgtd.Admin("--op", "show", "--mode", "target").StandardOutput);
        Assert.Empty(await service.GetSessionsAsync(default));
        Assert.Empty(agent.StatusAll());
        Assert.Contains(address, network.ReadLeases());
    }
}
