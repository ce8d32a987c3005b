using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Integration.Tests;

/// <summary>Discovery and login against tgtd: no authentication, CHAP and mutual CHAP, right and wrong secrets.</summary>
public sealed class IscsiLoginTests(IscsiTargetFixture lab) : IClassFixture<IscsiTargetFixture>
{
    [Fact]
    public async Task Discovery_lists_every_target_with_its_portal()
    {
        var targets = await SendTargets.DiscoverAsync(lab.Portal, new LoginSettings { InitiatorName = "iqn.2026-11.org.iscsidhcp:tests" });
        var names = targets.Select(t => t.NodeAddress).ToList();
        Assert.Contains(lab.Open.Name, names);
        Assert.Contains(lab.Protected.Name, names);
        Assert.Contains(lab.Mutual.Name, names);
        var open = targets.Single(t => t.NodeAddress == lab.Open.Name);
        Assert.Contains(open.Portals, p => p.Host == lab.Tgtd.PortalAddress && p.Port == lab.Tgtd.PortalPort && p.PortalGroupTag == 1);
    }

    [Fact]
    public async Task Discovery_works_over_IPv6_loopback()
    {
        var tgtd = TgtdServer.Start(lab.Run, "::1");
        var first = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        var second = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
        var portal = new TargetAddress("::1", tgtd.PortalPort);
        var targets = await SendTargets.DiscoverAsync(portal, new LoginSettings { InitiatorName = "iqn.2026-11.org.iscsidhcp:tests" });
        Assert.Equal(new[] { first.Name, second.Name }.Order(), targets.Select(t => t.NodeAddress).Order());
        Assert.All(targets, t => Assert.Contains(t.Portals, p => p.Host == "::1" && p.Port == tgtd.PortalPort));
        using var session = await IscsiProtocolSession.LoginAsync(portal, IscsiTargetFixture.Settings(first));
        Assert.Equal(1L << 20, (long)(await new ScsiDevice(session, 1).ReadCapacityAsync()).SizeBytes);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Discovery_for_one_name_lists_only_that_target()
    {
        var targets = await SendTargets.DiscoverAsync(lab.Portal, new LoginSettings { InitiatorName = "iqn.2026-11.org.iscsidhcp:tests" }, lab.Protected.Name);
        Assert.Equal(lab.Protected.Name, Assert.Single(targets).NodeAddress);
    }

    [Fact]
    public async Task Login_without_authentication_reaches_full_feature_phase()
    {
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open));
        Assert.True(session.IsConnected);
        Assert.NotEqual(0, session.Tsih);
        Assert.True(session.Parameters.TargetMaxRecvDataSegmentLength >= 512);
        var inquiry = await new ScsiDevice(session, 1).InquiryAsync();
        Assert.Equal("IET", inquiry.Vendor);
        Assert.Equal(0, inquiry.DeviceType);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
        Assert.False(session.IsConnected);
    }

    [Fact]
    public async Task One_way_CHAP_logs_in_with_the_right_secret()
    {
        using var credential = IscsiTargetFixture.Credential(IscsiTargetFixture.Chap);
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Protected) with { Credential = credential });
        await new ScsiDevice(session, 1).TestUnitReadyAsync();
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData(ChapAlgorithm.Md5)]
    [InlineData(ChapAlgorithm.Sha1)]
    public async Task One_way_CHAP_works_with_each_algorithm_tgtd_knows(ChapAlgorithm algorithm)
    {
        using var credential = IscsiTargetFixture.Credential(IscsiTargetFixture.Chap);
        var settings = IscsiTargetFixture.Settings(lab.Protected) with { Credential = credential, ChapAlgorithms = [algorithm] };
        // tgtd numbers SHA-1 as 7, so SHA-1 offered as IANA's 6 alone is refused as an initiator error.
        if (algorithm == ChapAlgorithm.Sha1)
        {
            var e = await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(lab.Portal, settings));
            Assert.Equal(2, e.StatusClass);
            return;
        }
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, settings);
        Assert.True(session.IsConnected);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_wrong_CHAP_secret_is_an_authentication_failure_not_a_hang()
    {
        using var credential = IscsiTargetFixture.Credential(IscsiTargetFixture.Chap, "not-the-secret-9");
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Protected) with { Credential = credential }));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
        Assert.False(e.IsRetryable);
        Assert.DoesNotContain("not-the-secret", e.ToString());
    }

    [Fact]
    public async Task No_credentials_for_a_CHAP_target_is_an_authentication_failure()
    {
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() => IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Protected)));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
    }

    [Fact]
    public async Task Mutual_CHAP_logs_in_when_the_target_proves_its_secret()
    {
        using var credential = IscsiTargetFixture.Credential(IscsiTargetFixture.Chap);
        using var target = IscsiTargetFixture.Credential(IscsiTargetFixture.TargetChap);
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Mutual) with { Credential = credential, TargetCredential = target });
        Assert.True(session.IsConnected);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Mutual_CHAP_fails_when_the_target_knows_another_secret()
    {
        using var credential = IscsiTargetFixture.Credential(IscsiTargetFixture.Chap);
        using var target = IscsiTargetFixture.Credential(IscsiTargetFixture.TargetChap, "we-expect-this-1");
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() =>
            IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Mutual) with { Credential = credential, TargetCredential = target }));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
        Assert.Contains("mutual", e.Message);
    }

    [Fact]
    public async Task Mutual_CHAP_is_refused_by_a_target_that_cannot_authenticate_itself()
    {
        using var credential = IscsiTargetFixture.Credential(IscsiTargetFixture.Chap);
        using var target = IscsiTargetFixture.Credential(IscsiTargetFixture.TargetChap);
        await Assert.ThrowsAnyAsync<IscsiLoginException>(() =>
            IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open) with { Credential = credential, TargetCredential = target }));
    }

    [Fact]
    public async Task An_unknown_target_is_reported_as_not_found()
    {
        var e = await Assert.ThrowsAsync<IscsiLoginException>(() =>
            IscsiProtocolSession.LoginAsync(lab.Portal, new LoginSettings { TargetName = "iqn.2026-11.org.iscsidhcp:nobody", InitiatorName = "iqn.2026-11.org.iscsidhcp:tests" }));
        Assert.Equal(LoginFailure.TargetNotFound, e.Failure);
    }
}
