using IscsiDhcp.Lab.Tgtd;
using static IscsiDhcp.Lab.Tests.ReferenceClients;

namespace IscsiDhcp.Lab.Tests;

/// <summary>
/// Three tgtds: the main one with an open and a CHAP target; a redirector with two
/// redirecting targets; and the redirect's destination on a second loopback address.
/// </summary>
public sealed class TgtdFixture : LabFixture
{
    public static readonly ChapAccount Chap = new("lab-initiator", "lab-secret-0123");
    public static readonly ChapAccount TargetChap = new("lab-target", "lab-target-secret-1");

    public TgtdFixture()
    {
        try
        {
            Tgtd = TgtdServer.Start(Run);
            Redirector = TgtdServer.Start(Run);
            Destination = TgtdServer.Start(Run, "127.0.0.2");
            Open = Tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [64L << 20, 8L << 20] });
            Protected = Tgtd.AddTarget(new TgtdTargetOptions { IncomingAccounts = [Chap] });
            Mutual = Tgtd.AddTarget(new TgtdTargetOptions { IncomingAccounts = [Chap], OutgoingAccount = TargetChap });
            Moved = Destination.AddTarget(new TgtdTargetOptions { LunSizes = [16L << 20] });
            Redirected = Redirector.AddTarget(new TgtdTargetOptions
            {
                Name = Moved.Name,
                LunSizes = [1L << 20],
                Redirect = new TgtdRedirect(Destination.PortalAddress, Destination.PortalPort, Permanent: false),
            });
            DeadEnd = Redirector.AddTarget(new TgtdTargetOptions
            {
                Redirect = new TgtdRedirect("127.0.0.2", Network.FreeLoopbackPort(System.Net.IPAddress.Parse("127.0.0.2")), Permanent: true),
            });
        }
        catch
        {
            Run.Dispose();   // xunit does not dispose a fixture whose constructor threw
            throw;
        }
    }

    public TgtdServer Tgtd { get; }
    public TgtdServer Redirector { get; }
    public TgtdServer Destination { get; }
    public TgtdTarget Open { get; }
    public TgtdTarget Protected { get; }
    public TgtdTarget Mutual { get; }
    public TgtdTarget Moved { get; }
    public TgtdTarget Redirected { get; }
    public TgtdTarget DeadEnd { get; }
}

/// <summary>The lab's tgtd, proven with libiscsi's reference tools.</summary>
public sealed class IscsiPeerTests(TgtdFixture lab) : IClassFixture<TgtdFixture>
{
    [Fact]
    public void Iscsi_inq_reads_INQUIRY_from_a_fixture_LUN()
    {
        var result = IscsiInq(IscsiUrl(lab.Tgtd.Portal, lab.Open.Name, 1));
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("Peripheral Device Type:DIRECT_ACCESS", result.StandardOutput);
        Assert.Contains("Vendor:IET", result.StandardOutput);
    }

    [Fact]
    public void Each_LUN_has_the_size_it_was_given()
    {
        Assert.Equal(64L << 20, ReadCapacity(IscsiUrl(lab.Tgtd.Portal, lab.Open.Name, 1)));
        Assert.Equal(8L << 20, ReadCapacity(IscsiUrl(lab.Tgtd.Portal, lab.Open.Name, 2)));
        Assert.Equal(8L << 20, new FileInfo(lab.Open.LunFiles[1]).Length);
    }

    [Fact]
    public void Discovery_lists_every_target_of_the_portal()
    {
        var result = CommandRunner.Run("iscsi-ls", [IscsiUrl(lab.Tgtd.Portal)], TimeSpan.FromSeconds(30));
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains($"Target:{lab.Open.Name} Portal:{lab.Tgtd.Portal},1", result.StandardOutput);
        Assert.Contains($"Target:{lab.Protected.Name} Portal:{lab.Tgtd.Portal},1", result.StandardOutput);
        Assert.DoesNotContain(lab.DeadEnd.Name, result.StandardOutput);   // another tgtd's target
    }

    [Fact]
    public void Iscsi_ls_logs_in_with_the_right_CHAP_secret()
    {
        var chap = TgtdFixture.Chap;
        var result = IscsiLs(IscsiUrl(lab.Tgtd.Portal, user: chap.User, secret: chap.Secret));
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("Lun:1    Type:DIRECT_ACCESS", result.StandardOutput);
    }

    [Theory]
    [InlineData("lab-secret-9999")]
    [InlineData(null)]
    public void Iscsi_ls_is_refused_with_a_wrong_or_missing_CHAP_secret(string? secret)
    {
        var url = secret is null
            ? IscsiUrl(lab.Tgtd.Portal, lab.Protected.Name, 1)
            : IscsiUrl(lab.Tgtd.Portal, lab.Protected.Name, 1, TgtdFixture.Chap.User, secret);
        var result = IscsiInq(url);
        Assert.False(result.Succeeded, result.ToString());
        Assert.Contains("Authentication failure", result.StandardOutput + result.StandardError);
    }

    [Theory]
    [InlineData("lab-target-secret-1", true)]
    [InlineData("lab-target-secret-2", false)]
    public void Mutual_CHAP_succeeds_only_when_the_target_proves_the_right_secret(string targetSecret, bool succeeds)
    {
        var url = IscsiUrl(lab.Tgtd.Portal, lab.Mutual.Name, 1, TgtdFixture.Chap.User, TgtdFixture.Chap.Secret)
                  + $"?target_user={TgtdFixture.TargetChap.User}&target_password={targetSecret}";
        var result = IscsiInq(url);
        Assert.True(result.Succeeded == succeeds, result.ToString());
        if (!succeeds) Assert.Contains("Invalid CHAP_R", result.StandardOutput + result.StandardError);
    }

    [Fact]
    public void A_redirected_target_is_reached_at_the_portal_it_redirects_to()
    {
        // The redirecting target has a 1 MiB LUN; the one it points to has 16 MiB.
        Assert.Equal(16L << 20, ReadCapacity(IscsiUrl(lab.Redirector.Portal, lab.Redirected.Name, 1)));
    }

    [Fact]
    public void A_redirect_to_a_dead_portal_makes_the_login_fail()
    {
        var result = IscsiInq(IscsiUrl(lab.Redirector.Portal, lab.DeadEnd.Name, 1));
        Assert.False(result.Succeeded, result.ToString());
    }
}

/// <summary>Killing and restarting a tgtd, as the supervisor tests will.</summary>
public sealed class TgtdRestartTests(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public void A_killed_tgtd_restarts_on_the_same_port_with_the_same_LUN_contents()
    {
        var tgtd = TgtdServer.Start(lab.Run);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [4L << 20] });
        var url = IscsiUrl(tgtd.Portal, target.Name, 1);
        var marker = "written before the crash"u8.ToArray();
        using (var lun = File.OpenWrite(target.LunFiles[0])) { lun.Position = 1 << 20; lun.Write(marker); }

        tgtd.Kill();
        Assert.False(tgtd.Process.IsRunning);
        Assert.False(IscsiInq(url).Succeeded);

        tgtd.Restart();
        Assert.True(IscsiInq(url).Succeeded);
        Assert.Equal(4L << 20, ReadCapacity(url));
        var back = new byte[marker.Length];
        using (var lun = File.OpenRead(target.LunFiles[0])) { lun.Position = 1 << 20; lun.ReadExactly(back); }
        Assert.Equal(marker, back);
    }
}
