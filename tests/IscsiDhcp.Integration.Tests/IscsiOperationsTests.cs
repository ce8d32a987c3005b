using System.Net;
using System.Security;
using System.Security.Cryptography;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// What each iSCSI cmdlet does, run through a recording host against tgtd: the objects,
/// errors and progress it writes, and that a declined ShouldProcess changes nothing.
/// </summary>
public sealed class IscsiOperationsTests : IDisposable
{
    const string Initiator = "iqn.2026-11.org.iscsidhcp:operations";
    readonly LabRun run = LabRun.Create();
    readonly TgtdServer tgtd;
    readonly TgtdTarget open;
    readonly TgtdTarget chap;
    readonly InProcessService service = InProcessService.Shared;

    public IscsiOperationsTests()
    {
        tgtd = TgtdServer.Start(run);
        open = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [8L << 20, 1L << 20] });
        chap = tgtd.AddTarget(new TgtdTargetOptions { IncomingAccounts = [IscsiTargetFixture.Chap] });
    }

    public void Dispose()
    {
        foreach (var s in Sessions().Where(s => s.TargetNodeAddress.Contains(run.Id, StringComparison.Ordinal)))
            service.DisconnectSessionAsync(s.SessionIdentifier, force: true, default).Wait(TimeSpan.FromSeconds(5));
        run.Dispose();
    }

    IReadOnlyList<IscsiSessionStatus> Sessions() => service.GetSessionsAsync(default).GetAwaiter().GetResult();

    static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return secure;
    }

    ConnectIscsiTargetOperation Connect(TgtdTarget target) => new(service)
    {
        NodeAddress = target.Name,
        TargetPortalAddress = tgtd.PortalAddress,
        TargetPortalPortNumber = tgtd.PortalPort,
        Login = { InitiatorName = Initiator },
    };

    async Task<IscsiSessionStatus> Connected(TgtdTarget target)
    {
        var host = new RecordingHost();
        await Connect(target).RunAsync(host);
        return host.Only<IscsiSessionStatus>();
    }

    [Fact]
    public async Task Find_lists_the_targets_of_a_portal_and_reports_an_unknown_one()
    {
        var host = new RecordingHost();
        var find = new FindIscsiTargetOperation(service) { TargetPortalAddress = tgtd.PortalAddress, TargetPortalPortNumber = tgtd.PortalPort, Login = { InitiatorName = Initiator } };
        await find.RunAsync(host);
        var targets = host.Objects.OfType<IscsiTarget>().ToList();
        Assert.Equal(new[] { open.Name, chap.Name }.Order(), targets.Select(t => t.NodeAddress).Order());
        Assert.All(targets, t => Assert.Equal((tgtd.PortalAddress, tgtd.PortalPort), (t.TargetPortalAddress, t.TargetPortalPortNumber)));

        host = new RecordingHost();
        find.NodeAddress = "iqn.2026-11.org.iscsidhcp:no-such-target";
        await find.RunAsync(host);
        Assert.Empty(host.Objects);
        var error = Assert.Single(host.Errors);
        Assert.Equal((ErrorKind.ObjectNotFound, "IscsiTargetNotFound"), (error.Kind, error.ErrorId));
    }

    [Theory]
    [InlineData(IscsiAuthenticationType.OneWayChap, false, false, "needs -Credential")]
    [InlineData(IscsiAuthenticationType.MutualChap, true, false, "-TargetCredential")]
    [InlineData(IscsiAuthenticationType.None, true, false, "AuthenticationType None")]
    [InlineData(IscsiAuthenticationType.OneWayChap, true, true, "is for -AuthenticationType MutualChap")]
    public void Authentication_parameters_that_do_not_fit_are_named(IscsiAuthenticationType type, bool own, bool target, string message)
    {
        var login = new IscsiLoginParameters
        {
            AuthenticationType = type,
            ChapUserName = own ? "user" : null,
            ChapSecret = own ? Secure("secret-secret") : null,
            TargetChapUserName = target ? "target" : null,
            TargetChapSecret = target ? Secure("target-secret") : null,
        };
        var e = Assert.Throws<ArgumentException>(() => login.ToSettings(open.Name));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task Connect_writes_a_live_session_and_a_second_connect_to_the_same_target_is_refused()
    {
        var session = await Connected(open);
        Assert.Equal((open.Name, true, IscsiSessionState.LoggedIn, Initiator), (session.TargetNodeAddress, session.IsConnected, session.State, session.InitiatorNodeAddress));
        Assert.Contains(Sessions(), s => s.SessionIdentifier == session.SessionIdentifier);
        var e = await Assert.ThrowsAsync<IscsiSessionExistsException>(() => Connect(open).RunAsync(new RecordingHost()));
        Assert.Contains(session.SessionIdentifier, e.Message);
        Assert.Contains(open.Name, e.Message);
        Assert.Equal((ErrorKind.ResourceExists, "IscsiSessionExists"), (ErrorCatalog.Classify(e).Kind, ErrorCatalog.Classify(e).ErrorId));
    }

    [Fact]
    public async Task A_declined_connect_logs_in_nowhere()
    {
        var host = new RecordingHost(confirm: false);
        await Connect(open).RunAsync(host);
        Assert.Empty(host.Objects);
        Assert.Contains(open.Name, Assert.Single(host.Asked).Target);
        Assert.DoesNotContain(Sessions(), s => s.TargetNodeAddress == open.Name);
    }

    [Fact]
    public async Task A_wrong_secret_is_a_SecurityError_and_the_right_one_connects()
    {
        var connect = Connect(chap);
        connect.Login.AuthenticationType = IscsiAuthenticationType.OneWayChap;
        connect.Login.ChapUserName = IscsiTargetFixture.Chap.User;
        connect.Login.ChapSecret = Secure("wrong-secret-123");
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => connect.RunAsync(new RecordingHost()));
        var error = ErrorCatalog.Classify(e);
        Assert.Equal((ErrorKind.SecurityError, "IscsiAuthenticationFailed"), (error.Kind, error.ErrorId));
        Assert.DoesNotContain(Sessions(), s => s.TargetNodeAddress == chap.Name);

        connect.Login.ChapSecret = Secure(IscsiTargetFixture.Chap.Secret);
        var host = new RecordingHost();
        await connect.RunAsync(host);
        Assert.True(host.Only<IscsiSessionStatus>().IsConnected);
    }

    [Fact]
    public async Task Get_session_filters_by_wildcard_and_identifier_and_names_what_it_cannot_find()
    {
        var session = await Connected(open);
        var host = new RecordingHost();
        var get = new GetIscsiSessionOperation(service);
        get.Selector.NodeAddress = [$"*{run.Id}*t1"];
        await get.RunAsync(host);
        Assert.Equal(session.SessionIdentifier, host.Only<IscsiSessionStatus>().SessionIdentifier);

        host = new RecordingHost();
        get.Selector.NodeAddress = [$"*{run.Id}*nothing*", "iqn.2026-11.org.iscsidhcp:absent"];
        await get.RunAsync(host);
        Assert.Empty(host.Objects);
        var error = Assert.Single(host.Errors);   // the wildcard matching nothing is no error
        Assert.Equal(("IscsiSessionNotFound", "iqn.2026-11.org.iscsidhcp:absent"), (error.ErrorId, error.Target));

        host = new RecordingHost();
        get.Selector.NodeAddress = null;
        get.Selector.SessionIdentifier = [session.SessionIdentifier.ToLowerInvariant()];
        await get.RunAsync(host);
        Assert.Equal(open.Name, host.Only<IscsiSessionStatus>().TargetNodeAddress);
    }

    [Fact]
    public async Task Get_lun_describes_each_LUN_with_inquiry_identifiers_and_capacity()
    {
        var session = await Connected(open);
        var host = new RecordingHost();
        var get = new GetIscsiLunOperation(service);
        get.Selector.SessionIdentifier = [session.SessionIdentifier];
        await get.RunAsync(host);
        var luns = host.Objects.OfType<IscsiLun>().Where(l => l.DeviceType == "Disk").OrderBy(l => l.Lun).ToList();
        Assert.Equal([1, 2], luns.Select(l => l.Lun));
        Assert.Equal((8UL << 20, 1UL << 20), (luns[0].Size, luns[1].Size));
        Assert.All(luns, l => Assert.Equal(512u, l.BlockSize));
        Assert.All(luns, l => Assert.False(string.IsNullOrEmpty(l.SerialNumber)));
        Assert.All(luns, l => Assert.NotEmpty(l.Identifiers));
        Assert.NotEqual(luns[0].SerialNumber, luns[1].SerialNumber);
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task Copy_a_file_into_a_LUN_and_back_out_with_verification_and_progress()
    {
        var session = await Connected(open);
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        var source = Path.Combine(run.Directory, "source.bin");
        var back = Path.Combine(run.Directory, "back.bin");
        File.WriteAllBytes(source, data);
        var hash = Convert.ToHexString(SHA256.HashData(data));

        var host = new RecordingHost();
        var copy = new CopyIscsiLunOperation(service) { Lun = 1, Path = source, Direction = IscsiCopyDirection.FileToLun, Offset = 1 << 20, Verify = true, PassThru = true };
        copy.Selector.SessionIdentifier = [session.SessionIdentifier];
        await copy.RunAsync(host);
        var result = host.Only<IscsiCopyResult>();
        Assert.Equal((hash, true, (long)data.Length), (result.Sha256, result.Verified, result.Bytes));
        Assert.True(host.Progress.Last().Completed);
        Assert.Contains("Overwrite", Assert.Single(host.Asked).Action);
        Assert.True(data.AsSpan().SequenceEqual(File.ReadAllBytes(open.LunFiles[0]).AsSpan(1 << 20, data.Length)), "the backing file does not hold the copied bytes");

        host = new RecordingHost();
        var copyBack = new CopyIscsiLunOperation(service) { Lun = 1, Path = back, Direction = IscsiCopyDirection.LunToFile, Offset = 1 << 20, Length = data.Length, Verify = true, PassThru = true };
        copyBack.Selector.SessionIdentifier = [session.SessionIdentifier];
        await copyBack.RunAsync(host);
        Assert.Equal(hash, host.Only<IscsiCopyResult>().Sha256);
        Assert.True(data.AsSpan().SequenceEqual(File.ReadAllBytes(back)));
    }

    [Fact]
    public async Task A_declined_copy_to_a_LUN_writes_nothing_and_a_range_past_the_end_is_refused()
    {
        var session = await Connected(open);
        var source = Path.Combine(run.Directory, "never.bin");
        File.WriteAllBytes(source, RandomNumberGenerator.GetBytes(1 << 20));
        var before = File.ReadAllBytes(open.LunFiles[1]);
        var copy = new CopyIscsiLunOperation(service) { Lun = 2, Path = source, Direction = IscsiCopyDirection.FileToLun };
        copy.Selector.SessionIdentifier = [session.SessionIdentifier];
        await copy.RunAsync(new RecordingHost(confirm: false));
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(open.LunFiles[1])));

        copy.Offset = 512 * 1024;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => copy.RunAsync(new RecordingHost()));
        Assert.Contains("past the end of LUN 2", e.Message);
    }

    [Fact]
    public async Task Open_gives_a_stream_over_the_LUN()
    {
        var session = await Connected(open);
        var host = new RecordingHost();
        var openLun = new OpenIscsiLunOperation(service) { Lun = 2, Access = IscsiLunAccess.ReadWrite };
        openLun.Selector.SessionIdentifier = [session.SessionIdentifier];
        await openLun.RunAsync(host);
        using var stream = Assert.IsAssignableFrom<Stream>(Assert.Single(host.Objects));
        Assert.Equal(1L << 20, stream.Length);
        stream.Position = 1000;
        stream.Write("hello, LUN"u8);
        stream.Flush();
        Assert.Equal("hello, LUN"u8.ToArray(), File.ReadAllBytes(open.LunFiles[1]).AsSpan(1000, 10).ToArray());
    }

    [Fact]
    public async Task Measure_reports_throughput_and_ordered_latency_percentiles_and_asks_before_writing()
    {
        var session = await Connected(open);
        var host = new RecordingHost();
        var measure = new MeasureIscsiLunOperation(service) { Lun = 1, BlockSize = 4096, QueueDepth = 4, Duration = TimeSpan.FromSeconds(1), Random = true };
        measure.Selector.SessionIdentifier = [session.SessionIdentifier];
        await measure.RunAsync(host);
        var result = host.Only<IscsiMeasureResult>();
        Assert.True(result.Ios > 100, $"{result.Ios} I/Os");
        Assert.Equal(0, result.Errors);
        Assert.True(result.LatencyP50Microseconds <= result.LatencyP90Microseconds && result.LatencyP90Microseconds <= result.LatencyP99Microseconds
                    && result.LatencyP99Microseconds <= result.LatencyMaxMicroseconds);
        Assert.Empty(host.Asked);   // reading needs no confirmation

        var before = File.ReadAllBytes(open.LunFiles[0]);
        host = new RecordingHost(confirm: false);
        measure.Mode = IscsiWorkloadMode.Write;
        await measure.RunAsync(host);
        Assert.Empty(host.Objects);
        Assert.Single(host.Asked);
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(open.LunFiles[0])));
    }

    [Fact]
    public async Task Disconnect_asks_first_then_logs_out_and_names_a_session_it_cannot_find()
    {
        var session = await Connected(open);
        var disconnect = new DisconnectIscsiTargetOperation(service);
        disconnect.Selector.NodeAddress = [open.Name];
        await disconnect.RunAsync(new RecordingHost(confirm: false));
        Assert.Contains(Sessions(), s => s.SessionIdentifier == session.SessionIdentifier);

        var host = new RecordingHost();
        await disconnect.RunAsync(host);
        Assert.DoesNotContain(Sessions(), s => s.SessionIdentifier == session.SessionIdentifier);
        Assert.Empty(host.Errors);

        host = new RecordingHost();
        await disconnect.RunAsync(host);
        Assert.Equal((ErrorKind.ObjectNotFound, "IscsiSessionNotFound"), (Assert.Single(host.Errors).Kind, host.Errors.Single().ErrorId));
    }
}
