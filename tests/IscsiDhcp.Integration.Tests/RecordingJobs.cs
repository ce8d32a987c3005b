using System.Collections.Concurrent;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Integration.Tests;

/// <summary>Supervisor jobs as the module makes them (a watch started through the service), with a recording sink in place of the PowerShell job.</summary>
public sealed class RecordingJobs : ISupervisorJobs
{
    readonly IIscsiDhcpService? sessions;
    readonly IDhcpService leases;

    public RecordingJobs(IIscsiDhcpService service)
    {
        sessions = service;
        leases = service.Leases;
    }

    /// <summary>Lease jobs only (a service without sessions).</summary>
    public RecordingJobs(IDhcpService leases) => this.leases = leases;

    public ConcurrentQueue<(IscsiSessionWatch Watch, RecordingSink Sink)> Made { get; } = new();

    /// <summary>The lease jobs made and not removed.</summary>
    public ConcurrentDictionary<LeaseJob, bool> Leases { get; } = new();

    public async Task<object> ForSessionAsync(IscsiSessionStatus session, CancellationToken cancel)
    {
        var sink = new RecordingSink();
        var watch = await IscsiSessionWatch.StartAsync(sessions ?? throw new InvalidOperationException("these jobs were made for leases only"), session, sink, cancel);
        Made.Enqueue((watch, sink));
        return sink;
    }

    public async Task<ISupervisorJob> ForLeaseAsync(DhcpLeaseKey lease, CancellationToken cancel)
    {
        var sink = new RecordingSink();
        var job = new LeaseJob(await DhcpLeaseWatch.StartAsync(leases, lease, sink, cancel), sink);
        Leases[job] = true;
        return job;
    }

    public void Remove(ISupervisorJob job) => Leases.TryRemove((LeaseJob)job, out _);

    /// <summary>The job of the one session made.</summary>
    public (IscsiSessionWatch Watch, RecordingSink Sink) Only => Assert.Single(Made);

    /// <summary>The one lease job made (and not removed).</summary>
    public LeaseJob OnlyLease => Assert.Single(Leases.Keys);

    /// <summary>A lease's job as <see cref="RecordingJobs"/> makes it: its watch, its streams, and whether it was stopped as Stop-Job stops one.</summary>
    public sealed class LeaseJob(DhcpLeaseWatch watch, RecordingSink sink) : ISupervisorJob
    {
        public DhcpLeaseWatch Watch { get; } = watch;
        public RecordingSink Sink { get; } = sink;
        public bool Stopped { get; private set; }

        public void WriteError(OperationError failure) => Sink.WriteError(failure);

        public void StopJob()
        {
            Stopped = true;
            Watch.StopAsync().GetAwaiter().GetResult();
        }

        public void Abandon(Exception failure)
        {
            Watch.Dispose();
            Sink.Finish(failure);
        }
    }
}
