using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Nbd;
using IscsiDhcp.Nbd.Luns;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// A tgtd with a main target (LUN 1 full of random data for reading, LUN 2 for writing) and a
/// target whose session the tests end; supervised in-process sessions to both; an NBD server
/// over them on two Unix sockets, one read-write and one read-only (the agent's two privileges).
/// </summary>
public sealed class NbdExportFixture : IDisposable
{
    public const long LunSize = 8L << 20;
    public const uint MaximumPayload = 4u << 20;

    public NbdExportFixture()
    {
        Run = LabRun.Create();
        try
        {
            Tgtd = TgtdServer.Start(Run);
            Main = Tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [LunSize, LunSize] });
            Doomed = Tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [1L << 20] });
            var random = new byte[LunSize];
            new Random(16).NextBytes(random);
            File.WriteAllBytes(Main.LunFiles[0], random);

            Service = new InProcessService();
            MainSession = Start(Main);
            DoomedSession = Start(Doomed);
            Server = new NbdServer(new IscsiLunExportCatalog(Service), new NbdServerOptions { MaximumPayload = MaximumPayload, MaxBytesInFlight = 16 << 20 });
            ReadWrite = new UnixSocketListener(Path.Combine(Run.Directory, "nbd-rw.sock"), (s, c) => Server.ServeAsync(s, mayWrite: true, c));
            ReadOnly = new UnixSocketListener(Path.Combine(Run.Directory, "nbd-ro.sock"), (s, c) => Server.ServeAsync(s, mayWrite: false, c));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    IscsiSessionStatus Start(TgtdTarget target)
    {
        var request = new IscsiSessionRequest(new(Tgtd.PortalAddress, Tgtd.PortalPort), IscsiTargetFixture.Settings(target),
            supervision: new IscsiSupervisorOptions { ReconnectDelay = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromSeconds(1) });
        var started = Service.StartSessionAsync(request, default).GetAwaiter().GetResult();
        return Service.WaitForLoginAsync(started.SessionIdentifier, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token).GetAwaiter().GetResult();
    }

    public LabRun Run { get; }
    public TgtdServer Tgtd { get; } = null!;
    public TgtdTarget Main { get; } = null!;
    public TgtdTarget Doomed { get; } = null!;
    public InProcessService Service { get; } = null!;
    public IscsiSessionStatus MainSession { get; } = null!;
    public IscsiSessionStatus DoomedSession { get; } = null!;
    public NbdServer Server { get; } = null!;
    public UnixSocketListener ReadWrite { get; } = null!;
    public UnixSocketListener ReadOnly { get; } = null!;

    public static string ExportName(TgtdTarget target, int lun) => IscsiLunExportCatalog.ExportName(target.Name, lun);

    /// <summary>The NBD URI libnbd and qemu take for an export on a socket.</summary>
    public static string Uri(string socket, string export = "") => $"nbd+unix:///{export}?socket={socket}";

    public void Dispose()
    {
        ReadWrite?.Dispose();
        ReadOnly?.Dispose();
        if (Service is not null)
            foreach (var s in Service.GetSessionsAsync(default).GetAwaiter().GetResult())
                Service.DisconnectSessionAsync(s.SessionIdentifier, force: true, default).Wait(TimeSpan.FromSeconds(5));
        Run.Dispose();
    }
}
