using System.Collections.Concurrent;
using System.Diagnostics;
using IscsiDhcp.Agent;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// The agent keeps a persistent session for as long as it runs (open-iscsi's
/// node.startup=automatic): when the target is away at start, it tries again with back-off
/// until the target is back, against a tgtd that is killed and restarted.
/// </summary>
public sealed class AgentPersistenceTests : IDisposable
{
    readonly LabRun run = LabRun.Create();
    readonly ConcurrentQueue<string> log = new();

    public void Dispose() => run.Dispose();

    AgentOptions Options => new()
    {
        SocketPath = Path.Combine(run.Directory, "agent.sock"),
        StateDirectory = Path.Combine(run.Directory, "state"),
        AdminGroup = null,
        RetryDelay = TimeSpan.FromMilliseconds(250),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task A_persistent_session_whose_target_is_away_at_start_is_retried_with_back_off_until_it_logs_in()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [4L << 20] });
        var request = new IscsiSessionRequest(new TargetAddress(tgtd.PortalAddress, tgtd.PortalPort),
            new LoginSettings { TargetName = target.Name, InitiatorName = "iqn.2026-11.org.iscsidhcp:persistence" },
            new IscsiSessionOptions { ConnectTimeout = TimeSpan.FromSeconds(2), LoginTimeout = TimeSpan.FromSeconds(3) },
            new IscsiSupervisorOptions { FirstLoginTimeout = TimeSpan.FromSeconds(2) }) { IsPersistent = true };

        // The first agent makes the session persistent and logs it out as it stops (SIGTERM's path).
        using (var first = new IscsiDhcpAgent(Options, log.Enqueue))
        {
            first.Start();
            using var client = await AgentClient.ConnectAsync(Options.SocketPath, TimeSpan.FromSeconds(5));
            var started = await client.StartSessionAsync(request, CancellationToken.None);
            Assert.True(started.IsPersistent);
            await client.WaitForLoginAsync(started.SessionIdentifier, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            await first.ShutdownAsync();
        }

        tgtd.Kill();
        using var second = new IscsiDhcpAgent(Options, log.Enqueue);
        second.Start();
        using var watcher = await AgentClient.ConnectAsync(Options.SocketPath, TimeSpan.FromSeconds(5));
        bool LoggedIn() => watcher.GetSessionsAsync(CancellationToken.None).Result.Any(s => s.State == IscsiSessionState.LoggedIn);
        await WaitFor(() => Retries() >= 3, TimeSpan.FromSeconds(20), "three tries while the target is away");
        Assert.False(LoggedIn());

        tgtd.Restart();
        var clock = Stopwatch.StartNew();
        await WaitFor(LoggedIn, TimeSpan.FromSeconds(20), "the session logging in once the target is back");
        // The back-off is capped at MaxRetryDelay (1 s): the next try comes soon after the target is back.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"logged in {clock.Elapsed.TotalSeconds:0.0} s after the target came back");
        await second.ShutdownAsync();
    }

    int Retries() => log.Count(line => line.Contains("trying again", StringComparison.Ordinal));

    async Task WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s; agent log:\n{string.Join("\n", log)}");
            await Task.Delay(50);
        }
    }
}
