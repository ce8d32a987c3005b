using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Lab;
using IscsiDhcp.Nbd;
using IscsiDhcp.Nbd.Luns;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Bench;

/// <summary>
/// nbd-serve: holds a supervised session and serves its LUNs over NBD on a Unix socket until
/// stdin closes (or SIGTERM), printing "ready" once the socket listens. A stand-in for the
/// agent (issue 15), which will hold the session and accept the connections itself; until it
/// exists, bench/compare-nbd.sh drives this.
/// </summary>
public static class NbdServeWorkload
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var portal = TargetAddress.Parse(options.Text("portal"));
        var target = options.Text("target");
        var socket = options.Text("socket");
        var depth = options.Number("queue-depth", 64);

        var service = new InProcessService();
        var settings = new LoginSettings { TargetName = target, InitiatorName = "iqn.2026-11.org.iscsidhcp:bench-nbd" };
        var started = await service.StartSessionAsync(new IscsiSessionRequest(portal, settings, new IscsiSessionOptions { QueueDepth = depth }), CancellationToken.None);
        var id = (await service.WaitForLoginAsync(started.SessionIdentifier, CancellationToken.None)).SessionIdentifier;
        var server = new NbdServer(new IscsiLunExportCatalog(service));
        using var stopped = new CancellationTokenSource();
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stopped.Cancel();
        });
        using (new UnixSocketListener(socket, (s, c) => server.ServeAsync(s, mayWrite: true, c)))
        {
            Console.WriteLine("ready");
            var stdin = Task.Run(() => Console.In.ReadToEnd());
            await Task.WhenAny(stdin, Task.Delay(Timeout.Infinite, stopped.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        }
        Console.Error.WriteLine($"nbd-serve: {server.Counters}");
        await service.DisconnectSessionAsync(id, force: false, CancellationToken.None);
        return 0;
    }
}
