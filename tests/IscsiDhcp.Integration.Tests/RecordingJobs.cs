using System.Collections.Concurrent;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Integration.Tests;

/// <summary>Supervisor jobs as the module makes them (a watch started on the session through the service), with a recording sink in place of the PowerShell job.</summary>
public sealed class RecordingJobs(IIscsiDhcpService service) : ISupervisorJobs
{
    public ConcurrentQueue<(IscsiSessionWatch Watch, RecordingSink Sink)> Made { get; } = new();

    public async Task<object> ForSessionAsync(IscsiSession session, CancellationToken cancel)
    {
        var sink = new RecordingSink();
        var watch = await IscsiSessionWatch.StartAsync(service, session, sink, cancel);
        Made.Enqueue((watch, sink));
        return sink;
    }

    /// <summary>The job of the one session made.</summary>
    public (IscsiSessionWatch Watch, RecordingSink Sink) Only => Assert.Single(Made);
}
