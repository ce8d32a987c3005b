using System.Text;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Tgtd;

namespace IscsiDhcp.Integration.Tests;

/// <summary>A tgtd with an open target (two LUNs), a CHAP target and a mutual-CHAP target.</summary>
public sealed class IscsiTargetFixture : IDisposable
{
    public static readonly ChapAccount Chap = new("initiator-user", "initiator-secret-1");
    public static readonly ChapAccount TargetChap = new("target-user", "target-secret-12");

    public IscsiTargetFixture()
    {
        Run = LabRun.Create();
        try
        {
            Tgtd = TgtdServer.Start(Run);
            // Digests and unsolicited data are what the initiator asks for; tgtd must allow them.
            Open = Tgtd.AddTarget(new TgtdTargetOptions
            {
                LunSizes = [64L << 20, 4L << 20],
                Parameters = new Dictionary<string, string>
                {
                    ["HeaderDigest"] = "CRC32C,None",
                    ["DataDigest"] = "CRC32C,None",
                    ["InitialR2T"] = "No",
                },
            });
            Protected = Tgtd.AddTarget(new TgtdTargetOptions { IncomingAccounts = [Chap] });
            Mutual = Tgtd.AddTarget(new TgtdTargetOptions { IncomingAccounts = [Chap], OutgoingAccount = TargetChap });
        }
        catch
        {
            Run.Dispose();
            throw;
        }
    }

    public LabRun Run { get; }
    public TgtdServer Tgtd { get; }
    public TgtdTarget Open { get; }
    public TgtdTarget Protected { get; }
    public TgtdTarget Mutual { get; }

    public TargetAddress Portal => new(Tgtd.PortalAddress, Tgtd.PortalPort);

    public static ChapCredential Credential(ChapAccount account, string? secret = null) =>
        new(account.User, Encoding.UTF8.GetBytes(secret ?? account.Secret));

    public static LoginSettings Settings(TgtdTarget target) => new() { TargetName = target.Name, InitiatorName = "iqn.2026-11.org.iscsidhcp:tests" };

    public void Dispose() => Run.Dispose();
}
