using System.Collections.Concurrent;
using System.Text;
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
/// Issue 13's iSCSI points against tgtd: digests with R2T-solicited 8 KiB bursts, the keys of
/// the first login response, what a CHAP target says to a login without credentials, and how
/// many connections a CHAP login (and a reconnect) costs. Each test has a tgtd of its own, so
/// its portal is new to the process.
/// </summary>
public sealed class IscsiInteropTests : IDisposable
{
    const uint BlockSize = 512;
    const string Initiator = "iqn.2026-11.org.iscsidhcp:interop";
    static readonly ChapAccount Account = new("interop-user", "interop-secret-1");
    readonly LabRun run = LabRun.Create();
    readonly List<IscsiSessionSupervisor> started = new();

    public void Dispose()
    {
        foreach (var s in started) s.Dispose();
        run.Dispose();
    }

    static TargetAddress PortalOf(TgtdServer tgtd) => new(tgtd.PortalAddress, tgtd.PortalPort);

    static LoginSettings Settings(TgtdTarget target) => new() { TargetName = target.Name, InitiatorName = Initiator };

    static ChapCredential Credential(string secret) => new(Account.User, Encoding.UTF8.GetBytes(secret));

    /// <summary>TCP connections a supervisor's logins made (each is one XptWait).</summary>
    static int CountXptWait(IEnumerable<IscsiSessionStateChange> changes) => changes.Count(c => c.To == IscsiSessionState.XptWait);

    [Fact]
    public async Task Digests_with_InitialR2T_no_immediate_data_and_8_KiB_bursts_write_and_read_back_intact()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions
        {
            LunSizes = [4L << 20],
            Parameters = new Dictionary<string, string>
            {
                ["HeaderDigest"] = "CRC32C",
                ["DataDigest"] = "CRC32C",
                ["InitialR2T"] = "Yes",
                ["ImmediateData"] = "No",
                ["MaxBurstLength"] = "8192",
                ["FirstBurstLength"] = "8192",
                ["MaxRecvDataSegmentLength"] = "8192",
            },
        });
        var settings = Settings(target) with { HeaderDigest = true, DataDigest = true, InitialR2T = true, ImmediateData = false, MaxRecvDataSegmentLength = 8192 };
        using var session = await IscsiProtocolSession.LoginAsync(PortalOf(tgtd), settings);
        var p = session.Parameters;
        Assert.True(p.HeaderDigest && p.DataDigest && p.InitialR2T && !p.ImmediateData, $"{p}");
        Assert.Equal(8192, p.MaxBurstLength);
        Assert.Equal(8192, p.TargetMaxRecvDataSegmentLength);
        var device = new ScsiDevice(session, 1);
        var data = new byte[1 << 20];
        new Random(13).NextBytes(data);
        // Several writes in flight at once, with pings between them.
        var writes = Enumerable.Range(0, 8).Select(i => device.WriteAsync((ulong)(i * 256), data.AsMemory(i * (128 << 10), 128 << 10), BlockSize).AsTask()).ToList();
        writes.Add(session.PingAsync(TimeSpan.FromSeconds(10)));
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60));
        var back = new byte[data.Length];
        await device.ReadAsync(0, back, BlockSize).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(data, back);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_target_portal_group_tag_and_a_hex_ISID_are_shown()
    {
        // tgtadm cannot set a TargetAlias (it is an invalid request), so tgtd sends none; the
        // scripted target's test covers the alias.
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        using var supervisor = await IscsiSessionSupervisor.LogInAsync(PortalOf(tgtd), Settings(target), new IscsiSessionOptions { Isid = 0x40_00_01_37_00_00 });
        var status = supervisor.GetStatus();
        Assert.Equal(1, status.TargetPortalGroupTag);
        Assert.Equal("400001370000", status.Isid);
        await supervisor.DisconnectAsync();
    }

    [Fact]
    public async Task A_CHAP_target_tells_a_login_without_credentials_that_it_requires_authentication()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20], IncomingAccounts = [Account] });
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(PortalOf(tgtd), Settings(target)));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
        Assert.Contains("requires authentication", e.Message);
    }

    [Fact]
    public async Task A_default_CHAP_login_says_why_it_took_two_connections_and_then_goes_straight_to_what_worked()
    {
        var tgtd = TgtdServer.Start(run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20], IncomingAccounts = [Account] });
        var changes = new ConcurrentQueue<IscsiSessionStateChange>();
        var options = new IscsiSupervisorOptions { ReconnectDelay = TimeSpan.FromMilliseconds(200), MaxReconnectDelay = TimeSpan.FromSeconds(1) };
        var supervisor = IscsiSessionSupervisor.StartSupervising(PortalOf(tgtd), Settings(target) with { Credential = Credential(Account.Secret) }, options: options);
        started.Add(supervisor);
        using (supervisor)
        {
            foreach (var c in supervisor.Watch((_, c) => changes.Enqueue(c))) changes.Enqueue(c);
            await supervisor.WhenLoggedInAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(2, CountXptWait(changes));
            var again = Assert.Single(changes, c => c.From == IscsiSessionState.InLogin && c.To == IscsiSessionState.XptWait);
            Assert.Contains("SHA-256", again.Reason);

            // tgtd drops the connection; the reconnect offers what worked and takes one connection.
            var before = changes.Count;
            var shown = tgtd.Admin("--op", "show", "--mode", "conn", "--tid", "1").StandardOutput;
            var sid = Regex.Match(shown, @"Session:\s*(\d+)").Groups[1].Value;
            var cid = Regex.Match(shown, @"Connection:\s*(\d+)").Groups[1].Value;
            tgtd.Admin("--op", "delete", "--mode", "conn", "--tid", "1", "--sid", sid, "--cid", cid);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!(supervisor.GetStatus().ReconnectCount == 1 && supervisor.State == IscsiSessionState.LoggedIn) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal(IscsiSessionState.LoggedIn, supervisor.State);
            Assert.Equal(1, CountXptWait(changes.Skip(before)));
            await new ScsiDevice(supervisor, 1).ReadAsync(0, new byte[512], BlockSize);

            // A wrong secret to the same portal now costs one login too (tgtd is offered MD5, which it knows, at once).
            var wrong = new ConcurrentQueue<IscsiSessionStateChange>();
            var failing = IscsiSessionSupervisor.StartSupervising(PortalOf(tgtd), Settings(target) with { Credential = Credential("not-the-secret-1") }, options: options);
            started.Add(failing);
            foreach (var c in failing.Watch((_, c) => wrong.Enqueue(c))) wrong.Enqueue(c);
            var e = await Assert.ThrowsAsync<IscsiLoginException>(() => failing.WhenLoggedInAsync().WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
            Assert.Equal(1, CountXptWait(wrong));
            await supervisor.DisconnectAsync();
        }
    }
}
