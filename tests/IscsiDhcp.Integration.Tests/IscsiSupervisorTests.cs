using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// The supervisor against tgtd that is killed, stopped, redirecting, and dropping our
/// connection. Each test has a tgtd of its own: the tests do things to the whole daemon.
/// </summary>
public sealed class IscsiSupervisorTests : IDisposable
{
    const uint BlockSize = 512;
    readonly LabRun run = LabRun.Create();
    readonly ConcurrentQueue<IscsiSessionStateChange> changes = new();
    readonly List<IscsiSessionSupervisor> started = new();

    static readonly IscsiSupervisorOptions Fast = new()
    {
        NopInterval = TimeSpan.FromSeconds(1),
        NopTimeout = TimeSpan.FromSeconds(1),
        ReconnectDelay = TimeSpan.FromMilliseconds(200),
        MaxReconnectDelay = TimeSpan.FromSeconds(1),
    };

    static readonly IscsiSessionOptions QuickLogin = new() { ConnectTimeout = TimeSpan.FromSeconds(2), LoginTimeout = TimeSpan.FromSeconds(3) };

    public void Dispose()
    {
        foreach (var s in started) s.Dispose();
        run.Dispose();
    }

    static TargetAddress PortalOf(TgtdServer tgtd) => new(tgtd.PortalAddress, tgtd.PortalPort);

    async Task<IscsiSessionSupervisor> Connect(TgtdServer tgtd, TgtdTarget target, IscsiSupervisorOptions? options = null, LoginSettings? settings = null)
    {
        var supervisor = IscsiSessionSupervisor.StartSupervising(PortalOf(tgtd), settings ?? IscsiTargetFixture.Settings(target), QuickLogin, options ?? Fast);
        started.Add(supervisor);
        foreach (var earlier in supervisor.Watch((_, change) => changes.Enqueue(change))) changes.Enqueue(earlier);
        await supervisor.WhenLoggedInAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return supervisor;
    }

    async Task WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s; transitions: {string.Join(" | ", changes)}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_target_killed_in_the_middle_of_IO_and_restarted_loses_nothing()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [8L << 20] });
        using var supervisor = await Connect(tgtd, target);
        var lun = new ScsiDevice(supervisor, 1);
        var blocks = (int)((8L << 20) / BlockSize);
        var model = new byte[8L << 20];
        var random = new Random(7);

        // Writers keep four commands in flight while the target dies and comes back.
        using var stop = new CancellationTokenSource();
        var written = 0;
        async Task Writer(int id)
        {
            var rng = new Random(id);
            while (!stop.IsCancellationRequested)
            {
                // Each writer owns every fourth 64 KiB stripe, so no two writes overlap.
                var stripe = (rng.Next(blocks / 128 / 4) * 4) + id;
                var data = new byte[64 * 1024];
                rng.NextBytes(data);
                await lun.WriteAsync((ulong)stripe * 128, data, BlockSize);
                data.CopyTo(model, stripe * 64L * 1024);
                Interlocked.Increment(ref written);
            }
        }
        var writers = Enumerable.Range(0, 4).Select(Writer).ToArray();
        await WaitFor(() => Volatile.Read(ref written) > 50, TimeSpan.FromSeconds(10), "writes before the kill");
        tgtd.Kill();
        await Task.Delay(1500);
        tgtd.Restart();
        await WaitFor(() => supervisor.GetStatus().ReconnectCount >= 1 && supervisor.State == IscsiSessionState.LoggedIn, TimeSpan.FromSeconds(30), "recovery");
        var afterRecovery = Volatile.Read(ref written);
        await WaitFor(() => Volatile.Read(ref written) > afterRecovery + 50, TimeSpan.FromSeconds(10), "writes after the recovery");
        await stop.CancelAsync();
        await Task.WhenAll(writers);   // none failed: a failed write would throw here

        // Every block reads back as written, through the session and in the backing file.
        var back = new byte[model.Length];
        for (var offset = 0; offset < back.Length; offset += 256 * 1024)
            await lun.ReadAsync((ulong)(offset / BlockSize), back.AsMemory(offset, 256 * 1024), BlockSize);
        Assert.True(model.AsSpan().SequenceEqual(back), "a block read back differs from what was written");
        await supervisor.DisconnectAsync();
        Assert.True(model.AsSpan().SequenceEqual(File.ReadAllBytes(target.LunFiles[0])), "the backing file differs from what was written");
        Assert.Contains(changes, c => c.From == IscsiSessionState.LoggedIn && c.To == IscsiSessionState.Free);
    }

    [Fact]
    public async Task A_stopped_target_is_noticed_within_NopInterval_plus_NopTimeout_and_the_session_recovers_after_SIGCONT()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        using var supervisor = await Connect(tgtd, target);
        var lun = new ScsiDevice(supervisor, 1);
        await lun.ReadAsync(0, new byte[4096], BlockSize);

        var stopped = Stopwatch.StartNew();
        tgtd.Process.Suspend();
        try
        {
            await WaitFor(() => supervisor.State != IscsiSessionState.LoggedIn, Fast.NopInterval + Fast.NopTimeout + TimeSpan.FromSeconds(1), "loss detection");
            var lost = changes.First(c => c.From == IscsiSessionState.LoggedIn);
            Assert.Contains("NOP-Out", lost.Reason);
            Assert.True(stopped.Elapsed <= Fast.NopInterval + Fast.NopTimeout + TimeSpan.FromSeconds(1), $"noticed after {stopped.Elapsed}");
        }
        finally
        {
            tgtd.Process.Resume();
        }
        // A read issued while the session is down completes once it is back.
        var read = lun.ReadAsync(0, new byte[4096], BlockSize).AsTask();
        await WaitFor(() => supervisor.State == IscsiSessionState.LoggedIn, TimeSpan.FromSeconds(30), "recovery after SIGCONT");
        await read.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, supervisor.GetStatus().ReconnectCount);
    }

    [Fact]
    public async Task A_redirect_lands_the_session_on_the_second_target_and_one_to_a_dead_portal_falls_back()
    {
        var first = TgtdServer.Start(run);
        var second = TgtdServer.Start(run, "127.0.0.2");
        var moved = second.AddTarget(new TgtdTargetOptions { LunSizes = [2L << 20] });
        first.AddTarget(new TgtdTargetOptions
        {
            Name = moved.Name,
            Redirect = new TgtdRedirect(second.PortalAddress, second.PortalPort, Permanent: false),
        });
        using (var supervisor = await Connect(first, moved))
        {
            var status = supervisor.GetStatus();
            Assert.Equal(PortalOf(second), status.TargetPortal);
            Assert.Equal(PortalOf(first), supervisor.OriginalPortal);
            Assert.Equal(1, status.RedirectCount);
            await new ScsiDevice(supervisor, 1).ReadAsync(0, new byte[512], BlockSize);
            await supervisor.DisconnectAsync();
        }

        var deadPort = Network.FreeLoopbackPort(System.Net.IPAddress.Parse("127.0.0.2"));
        var deadEnd = first.AddTarget(new TgtdTargetOptions { Redirect = new TgtdRedirect("127.0.0.2", deadPort, Permanent: false) });
        changes.Clear();
        var options = Fast with { MaxRedirects = 2 };
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => Connect(first, deadEnd, options));
        Assert.Equal(LoginFailure.TooManyRedirects, e.Failure);
        // Every redirect to the dead portal went back to the original one, as iscontrol does.
        // (Free -> Free is no transition: the connect back to the original portal says why it came back.)
        var fallbacks = changes.Where(c => c.To == IscsiSessionState.XptWait && c.Reason.Contains("unreachable", StringComparison.Ordinal)
                                           && c.Reason.StartsWith($"connected to {PortalOf(first)}: back from redirected portal", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(changes, c => c.From == c.To);
        Assert.Equal(2, fallbacks.Count);
    }

    [Fact]
    public async Task A_wrong_CHAP_secret_is_one_login_attempt_and_a_terminal_authentication_error()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { IncomingAccounts = [IscsiTargetFixture.Chap] });
        // MD5 only: with SHA-256 first the session adds one login for tgtd's CHAP_A quirk, and
        // tgtd reads 6 (SHA-1) as unsupported.
        var settings = IscsiTargetFixture.Settings(target) with
        {
            Credential = IscsiTargetFixture.Credential(IscsiTargetFixture.Chap, "not-the-secret-1"),
            ChapAlgorithms = [ChapAlgorithm.Md5],
        };
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => Connect(tgtd, target, settings: settings));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
        Assert.Single(changes, c => c.To == IscsiSessionState.XptWait);
        Assert.Equal(IscsiSessionState.CleanupWait, changes.Last().To);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(Assert.Single(started).Completion.IsCompleted, "the supervisor of a login that cannot succeed has ended");
    }

    [Fact]
    public async Task A_connection_the_target_deletes_comes_back()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        using var supervisor = await Connect(tgtd, target);
        var shown = tgtd.Admin("--op", "show", "--mode", "conn", "--tid", "1").StandardOutput;
        var sid = Regex.Match(shown, @"Session:\s*(\d+)").Groups[1].Value;
        var cid = Regex.Match(shown, @"Connection:\s*(\d+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(sid), shown);
        tgtd.Admin("--op", "delete", "--mode", "conn", "--tid", "1", "--sid", sid, "--cid", cid);
        await WaitFor(() => supervisor.GetStatus().ReconnectCount == 1 && supervisor.State == IscsiSessionState.LoggedIn, TimeSpan.FromSeconds(20), "reconnect");
        await new ScsiDevice(supervisor, 1).ReadAsync(0, new byte[512], BlockSize);
    }

    [Fact]
    public async Task A_graceful_disconnect_leaves_no_I_T_nexus_and_ends_the_supervisor()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        var supervisor = await Connect(tgtd, target);
        await new ScsiDevice(supervisor, 1).ReadAsync(0, new byte[8192], BlockSize);
        await WaitFor(() => supervisor.GetStatus().LastNopRoundTrip is not null, TimeSpan.FromSeconds(5), "a keep-alive round trip");
        var status = supervisor.GetStatus();
        Assert.Equal((IscsiSessionState.LoggedIn, true, target.Name, PortalOf(tgtd)), (status.State, status.IsConnected, status.TargetNodeAddress, status.TargetPortal));
        Assert.Equal((0, 0, 0), (status.ReconnectCount, status.RedirectCount, status.CommandsInFlight));
        Assert.True(status.BytesRead >= 8192, $"{status.BytesRead} bytes read");
        Assert.NotNull(status.ConnectedSince);
        Assert.Equal(supervisor.SessionIdentifier, status.SessionIdentifier);
        Assert.True(status.Tsih != 0 && status.Parameters is not null);
        Assert.Contains("iqn.2026-11.org.iscsidhcp:tests", Nexus(tgtd));

        await supervisor.DisconnectAsync();
        Assert.Equal(IscsiSessionState.CleanupWait, supervisor.State);
        Assert.Equal([IscsiSessionState.InLogout, IscsiSessionState.CleanupWait], changes.TakeLast(2).Select(c => c.To));
        Assert.DoesNotContain("iqn.2026-11.org.iscsidhcp:tests", Nexus(tgtd));
        Assert.True(supervisor.Completion.IsCompleted);
        // Commands after the end fail at once, naming why.
        var e = await Assert.ThrowsAsync<ObjectDisposedException>(() => new ScsiDevice(supervisor, 1).ReadAsync(0, new byte[512], BlockSize).AsTask());
        Assert.Contains("disconnect", e.Message);
    }

    [Fact]
    public async Task A_forced_disconnect_drops_at_once_and_the_target_lets_the_nexus_go()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        var supervisor = await Connect(tgtd, target);
        Assert.Contains("iqn.2026-11.org.iscsidhcp:tests", Nexus(tgtd));
        await supervisor.DisconnectAsync(force: true);
        Assert.Equal((IscsiSessionState.LoggedIn, IscsiSessionState.CleanupWait), (changes.Last().From, changes.Last().To));
        await WaitFor(() => !Nexus(tgtd).Contains("iqn.2026-11.org.iscsidhcp:tests", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "tgtd dropping the nexus");
    }

    [Fact]
    public async Task Commands_fail_with_a_clear_error_when_the_session_is_not_back_within_the_replacement_timeout()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        using var supervisor = await Connect(tgtd, target, Fast with { ReplacementTimeout = TimeSpan.FromSeconds(3) });
        var lun = new ScsiDevice(supervisor, 1);
        tgtd.Kill();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IscsiSessionLostException>(() => lun.ReadAsync(0, new byte[512], BlockSize).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("replacement timeout", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        Assert.NotEqual(IscsiSessionState.CleanupWait, supervisor.State);   // it goes on trying
    }

    static string Nexus(TgtdServer tgtd)
    {
        var shown = tgtd.Admin("--op", "show", "--mode", "target").StandardOutput;
        var start = shown.IndexOf("I_T nexus information:", StringComparison.Ordinal);
        var end = shown.IndexOf("LUN information:", StringComparison.Ordinal);
        return start < 0 || end < start ? "" : shown[start..end];
    }
}
