using IscsiDhcp.Agent;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Nbd.Luns;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// An agent of its own (socket and state in a folder every user may traverse, so `nobody` can
/// reach its NBD socket) holding sessions to a tgtd: a main target (LUN 1 full of random data,
/// LUN 2 to write), a target whose LUN tgtd marks read-only, and a target whose session gives up
/// after a short replacement timeout. The sessions are started through the agent's own IPC.
/// </summary>
public sealed class AgentExportFixture : IDisposable
{
    public const long LunSize = 8L << 20;
    public static readonly TimeSpan ShortReplacement = TimeSpan.FromSeconds(2);

    public AgentExportFixture()
    {
        Run = LabRun.Create();
        try
        {
            Folder = Path.Combine(Run.Directory, "agent");
            Directory.CreateDirectory(Folder);
            IscsiDhcp.Common.PrivateFile.SetMode(Run.Directory, Convert.ToUInt32("755", 8));
            IscsiDhcp.Common.PrivateFile.SetMode(Folder, Convert.ToUInt32("755", 8));
            Tgtd = TgtdServer.Start(Run);
            Main = Tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [LunSize, LunSize] });
            Protected = Tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20], ReadOnlyLuns = [1] });
            Impatient = Tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
            var random = new byte[LunSize];
            new Random(161).NextBytes(random);
            File.WriteAllBytes(Main.LunFiles[0], random);

            Agent = new IscsiDhcpAgent(new AgentOptions
            {
                SocketPath = Path.Combine(Folder, "agent.sock"),
                StateDirectory = Path.Combine(Folder, "state"),
                AdminGroup = null,
            });
            Agent.Start();
            Client = AgentClient.ConnectAsync(Agent.Options.SocketPath, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            MainSession = Start(Main, TimeSpan.FromSeconds(120));
            Start(Protected, TimeSpan.FromSeconds(120));
            ImpatientSession = Start(Impatient, ShortReplacement);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    IscsiSessionStatus Start(TgtdTarget target, TimeSpan replacement)
    {
        var request = new IscsiSessionRequest(new(Tgtd.PortalAddress, Tgtd.PortalPort), IscsiTargetFixture.Settings(target),
            supervision: new IscsiSupervisorOptions { ReconnectDelay = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromSeconds(1), ReplacementTimeout = replacement });
        var started = Client.StartSessionAsync(request, default).GetAwaiter().GetResult();
        return Client.WaitForLoginAsync(started.SessionIdentifier, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token).GetAwaiter().GetResult();
    }

    public LabRun Run { get; }
    public string Folder { get; } = "";
    public TgtdServer Tgtd { get; } = null!;
    public TgtdTarget Main { get; } = null!;
    public TgtdTarget Protected { get; } = null!;
    public TgtdTarget Impatient { get; } = null!;
    public IscsiDhcpAgent Agent { get; } = null!;
    public AgentClient Client { get; } = null!;
    public IscsiSessionStatus MainSession { get; } = null!;
    public IscsiSessionStatus ImpatientSession { get; } = null!;

    public string ExportSocket => Agent.Options.ExportSocketPath!;

    public static string ExportName(TgtdTarget target, int lun) => IscsiLunExportCatalog.ExportName(target.Name, lun);

    public string Uri(string export = "") => NbdExportFixture.Uri(ExportSocket, export);

    public void Dispose()
    {
        Client?.Dispose();
        Agent?.Dispose();
        Run.Dispose();
    }
}
