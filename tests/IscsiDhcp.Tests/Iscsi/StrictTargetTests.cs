using System.Text;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// The initiator against a target as strict as other implementations are (issue 13): whole
/// PDUs per write, CmdSN in wire order, digests with R2T-solicited data, the keys of the first
/// login response, and what an authentication failure costs and says.
/// </summary>
[Collection(nameof(HostileTargetTests))]
public sealed class StrictTargetTests
{
    static readonly LoginSettings Settings = new() { TargetName = StrictTarget.Name, InitiatorName = "iqn.2026-11.org.example:tests" };
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    static readonly StrictTargetOptions Digests = new()
    {
        OperationalAnswers = new StrictTargetOptions().OperationalAnswers.Concat(new Dictionary<string, string>
        {
            ["HeaderDigest"] = "CRC32C",
            ["DataDigest"] = "CRC32C",
        }).ToDictionary(),
    };

    static readonly LoginSettings DigestSettings = Settings with { HeaderDigest = true, DataDigest = true, InitialR2T = true, ImmediateData = false };

    static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public async Task Every_PDU_goes_to_the_socket_in_one_write()
    {
        await using var target = new StrictTarget(Digests);
        var discovery = new LoginSettings { InitiatorName = Settings.InitiatorName };
        for (var i = 0; i < 5; i++)
            Assert.Equal(StrictTarget.Name, Assert.Single(await SendTargets.DiscoverAsync(target.Portal, discovery).WaitAsync(Bound)).NodeAddress);
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, DigestSettings).WaitAsync(Bound);
        var device = new ScsiDevice(session, 0);
        for (var i = 0; i < 40; i++)
        {
            var data = Pattern(StrictTarget.BlockSize * (1 + (i % 16)), i);
            await device.WriteAsync((ulong)(i * 16), data, StrictTarget.BlockSize).AsTask().WaitAsync(Bound);
            await session.PingAsync(TimeSpan.FromSeconds(10));
        }
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(target.Violations);
    }

    [Fact]
    public async Task Digests_with_R2T_solicited_data_in_8_KiB_bursts_carry_writes_and_reads_intact()
    {
        await using var target = new StrictTarget(Digests);
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, DigestSettings).WaitAsync(Bound);
        Assert.True(session.Parameters.HeaderDigest && session.Parameters.DataDigest);
        Assert.True(session.Parameters.InitialR2T);
        Assert.False(session.Parameters.ImmediateData);
        Assert.Equal(8192, session.Parameters.MaxBurstLength);
        Assert.Equal(8192, session.Parameters.TargetMaxRecvDataSegmentLength);
        var device = new ScsiDevice(session, 0);
        var data = Pattern(256 * 1024 + 1024, 7);   // 32 bursts and a short one
        await device.WriteAsync(10, data, StrictTarget.BlockSize).AsTask().WaitAsync(Bound);
        var back = new byte[data.Length];
        await device.ReadAsync(10, back, StrictTarget.BlockSize).AsTask().WaitAsync(Bound);
        Assert.Equal(data, back);
        Assert.Equal(data, target.Disk.AsSpan(10 * StrictTarget.BlockSize, data.Length).ToArray());
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(target.Violations);
    }

    [Fact]
    public async Task CmdSN_goes_out_in_wire_order_under_concurrent_commands_pings_and_NOP_answers()
    {
        await using var target = new StrictTarget(new StrictTargetOptions { NopInEvery = 3, Window = 8 });
        using var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound);
        var device = new ScsiDevice(session, 0);
        using var done = new CancellationTokenSource();
        var pinger = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested) await session.PingAsync(TimeSpan.FromSeconds(10));
        });
        var readers = Enumerable.Range(0, 6).Select(r => Task.Run(async () =>
        {
            var buffer = new byte[4096];
            for (var i = 0; i < 300; i++) await device.ReadAsync((ulong)((r * 8) + (i % 8)), buffer, StrictTarget.BlockSize);
        })).ToArray();
        var all = Task.WhenAll(readers);
        await Task.WhenAny(all, Task.Delay(Bound));
        done.Cancel();
        Assert.Empty(target.Violations);
        await all.WaitAsync(Bound);
        await pinger.WaitAsync(Bound);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(target.Violations);
    }

    [Fact]
    public async Task A_write_whose_replay_keeps_losing_the_connection_fails_after_bounded_attempts()
    {
        await using var target = new StrictTarget(Digests with { DropOnWrite = true });
        var options = new IscsiSupervisorOptions
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(10),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(20),
            ReconnectStormLimit = 1000,
        };
        using var supervisor = await IscsiSessionSupervisor.LogInAsync(target.Portal, DigestSettings with { DefaultTime2Wait = 0 }, options: options).WaitAsync(Bound);
        var device = new ScsiDevice(supervisor, 0);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => device.WriteAsync(0, Pattern(8192, 1), StrictTarget.BlockSize).AsTask().WaitAsync(Bound));
        Assert.IsType<IscsiSessionLostException>(e);
        Assert.Contains($"{SupervisedCommandLimit} times", e.Message);
        Assert.InRange(target.Connections, SupervisedCommandLimit, SupervisedCommandLimit + 2);
        // The session itself goes on: a read still works.
        await device.ReadAsync(0, new byte[512], StrictTarget.BlockSize).AsTask().WaitAsync(Bound);
    }

    const int SupervisedCommandLimit = SupervisedCommand.MaxAttempts;

    [Fact]
    public async Task The_first_login_response_keys_are_kept_and_shown()
    {
        await using var target = new StrictTarget(new StrictTargetOptions { FirstResponseKeys = [("TargetPortalGroupTag", "3"), ("TargetAlias", "strict-alias")] });
        using (var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound))
        {
            Assert.Equal(3, session.Parameters.TargetPortalGroupTag);
            Assert.Equal("strict-alias", session.Parameters.TargetAlias);
            await session.LogoutAsync(TimeSpan.FromSeconds(5));
        }
        using var supervisor = await IscsiSessionSupervisor.LogInAsync(target.Portal, Settings, new IscsiSessionOptions { Isid = 0x40_00_01_37_00_00 }).WaitAsync(Bound);
        var status = supervisor.GetStatus();
        Assert.Equal(3, status.TargetPortalGroupTag);
        Assert.Equal("strict-alias", status.TargetAlias);
        Assert.Equal("400001370000", status.Isid);
        await supervisor.DisconnectAsync();
    }

    [Fact]
    public async Task A_target_that_demands_CHAP_of_a_login_without_credentials_says_it_requires_authentication()
    {
        await using var target = new StrictTarget(new StrictTargetOptions { ChapUser = "user", ChapSecret = "secret-of-12" });
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(target.Portal, Settings).WaitAsync(Bound));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
        Assert.Contains("requires authentication", e.Message);
        Assert.DoesNotContain("did not offer", e.Message);
    }

    static ChapCredential Credential(string secret) => new("user", Encoding.UTF8.GetBytes(secret));

    [Fact]
    public async Task A_wrong_secret_costs_one_login_when_the_target_chose_an_algorithm_other_than_SHA_256()
    {
        await using var target = new StrictTarget(new StrictTargetOptions { ChapUser = "user", ChapSecret = "secret-of-12", ChapAlgorithmsKnown = [5] });
        using var credential = Credential("wrong-secret-1");
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(target.Portal, Settings with { Credential = credential }).WaitAsync(Bound));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
        Assert.Equal(1, target.Connections);
    }

    [Fact]
    public async Task A_wrong_secret_to_a_target_that_chose_SHA_256_tries_the_older_algorithms_once()
    {
        await using var target = new StrictTarget(new StrictTargetOptions { ChapUser = "user", ChapSecret = "secret-of-12" });
        ChapPortalMemory.Forget(target.Portal);
        using var credential = Credential("wrong-secret-1");
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(target.Portal, Settings with { Credential = credential }).WaitAsync(Bound));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
        Assert.Equal(2, target.Connections);
    }

    [Fact]
    public async Task A_portal_that_refused_SHA_256_gets_its_algorithm_straight_away_next_time_and_the_reason_is_told()
    {
        // A tgtd-like target: CHAP_A=7 read as SHA-1, so a SHA-256 answer fails and the fallback to MD5 works.
        await using var target = new StrictTarget(new StrictTargetOptions { ChapUser = "user", ChapSecret = "secret-of-12", ChapSevenIsSha1 = true });
        ChapPortalMemory.Forget(target.Portal);
        var options = new IscsiSupervisorOptions { ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(20) };
        using var supervisor = await IscsiSessionSupervisor.LogInAsync(target.Portal, Settings with { Credential = Credential("secret-of-12"), DefaultTime2Wait = 0 },
            options: options).WaitAsync(Bound);
        Assert.Equal(2, target.Connections);
        var changes = supervisor.Watch((_, _) => { });
        var again = Assert.Single(changes, c => c.From == IscsiSessionState.InLogin && c.To == IscsiSessionState.XptWait);
        Assert.Contains("SHA-256", again.Reason);

        // A reconnect goes straight to what worked.
        var relogged = new TaskCompletionSource();
        supervisor.StateChanged += (_, c) => { if (c.To == IscsiSessionState.LoggedIn) relogged.TrySetResult(); };
        target.DropAll();
        await relogged.Task.WaitAsync(Bound);
        Assert.Equal(3, target.Connections);

        // So does a new login from elsewhere in the process, and a wrong secret costs one connection now.
        using (var session = await IscsiProtocolSession.LoginAsync(target.Portal, Settings with { Credential = Credential("secret-of-12") }).WaitAsync(Bound))
            await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, target.Connections);
        await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(target.Portal, Settings with { Credential = Credential("wrong-secret-1") }).WaitAsync(Bound));
        Assert.Equal(5, target.Connections);
        await supervisor.DisconnectAsync();
        Assert.Empty(target.Violations);
    }
}
