using System.Globalization;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Operations;

/// <summary>
/// The service seam in memory, for operation tests without root or a lab: targets whose
/// LUNs live in RAM and answer the SCSI commands the operations send, and sessions whose
/// transitions follow a script (login, a lost connection and its reconnect, logout).
/// Only the iSCSI half: the DHCP agent is not faked.
/// </summary>
public sealed class FakeIscsiDhcpService : IIscsiDhcpService
{
    readonly object gate = new();
    readonly Dictionary<string, FakeIscsiTarget> targets = new(StringComparer.OrdinalIgnoreCase);
    readonly List<FakeIscsiSession> sessions = [];
    int sequence;

    /// <summary>Every start request, in order (what Connect asked for).</summary>
    public List<IscsiSessionRequest> Requests { get; } = [];

    /// <summary>A target with LUN 0 a storage array controller and LUNs 1, 2, ... RAM disks of these sizes (multiples of 512 bytes).</summary>
    public FakeIscsiTarget AddTarget(string name, params long[] lunSizes)
    {
        var target = new FakeIscsiTarget(name, lunSizes);
        lock (gate) targets.Add(name, target);
        return target;
    }

    /// <summary>Every session started, the ended ones too.</summary>
    public IReadOnlyList<FakeIscsiSession> AllSessions
    {
        get { lock (gate) return sessions.ToList(); }
    }

    public Task<IReadOnlyList<IscsiTarget>> DiscoverAsync(TargetAddress portal, LoginSettings settings, string? nodeAddress, TimeSpan timeout, CancellationToken cancel)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<IscsiTarget>>(targets.Values
                .Where(t => nodeAddress is null || string.Equals(t.Name, nodeAddress, StringComparison.OrdinalIgnoreCase))
                .Select(t => new IscsiTarget(t.Name, [portal]))
                .ToList());
        }
    }

    public Task<IscsiSessionStatus> StartSessionAsync(IscsiSessionRequest request, CancellationToken cancel)
    {
        FakeIscsiSession session;
        lock (gate)
        {
            Requests.Add(request);
            targets.TryGetValue(request.Settings.TargetName ?? "", out var target);
            session = new FakeIscsiSession($"FAKE{++sequence:X8}-{sequence:X4}", request, target);
            sessions.Add(session);
        }
        session.BeginLogin();
        return Task.FromResult(session.Snapshot());
    }

    public Task<IReadOnlyList<IscsiSessionStatus>> GetSessionsAsync(CancellationToken cancel)
    {
        lock (gate) return Task.FromResult<IReadOnlyList<IscsiSessionStatus>>(sessions.Where(s => !s.HasEnded).Select(s => s.Snapshot()).ToList());
    }

    public async Task<IscsiSessionStatus> WaitForLoginAsync(string sessionIdentifier, CancellationToken cancel)
    {
        var session = Find(sessionIdentifier);
        await session.FirstLogin.WaitAsync(cancel);
        return session.Snapshot();
    }

    public Task<IDisposable> WatchSessionAsync(string sessionIdentifier, IIscsiSessionObserver observer, CancellationToken cancel) =>
        Task.FromResult(Find(sessionIdentifier).Subscribe(observer));

    public Task DisconnectSessionAsync(string sessionIdentifier, bool force, CancellationToken cancel)
    {
        Find(sessionIdentifier).Disconnect(force);
        return Task.CompletedTask;
    }

    public Task<IScsiTransport> OpenTransportAsync(string sessionIdentifier, CancellationToken cancel) =>
        Task.FromResult<IScsiTransport>(Find(sessionIdentifier));

    /// <summary>The leases half, as <see cref="FakeDhcpService"/> fakes it.</summary>
    public FakeDhcpService Leases { get; } = new();

    public Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default) => Leases.StartAsync(request, wait, cancel);
    public Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, System.Net.IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default) =>
        Leases.InformAsync(request, address, wait, cancel);
    public Task<DhcpLeaseStatus> ExtendAsync(DhcpLeaseKey lease, TimeSpan? wait = null, CancellationToken cancel = default) => Leases.ExtendAsync(lease, wait, cancel);
    public Task<DhcpLeaseStatus> ReleaseAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Leases.ReleaseAsync(lease, cancel);
    public Task<DhcpLeaseStatus> DropAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Leases.DropAsync(lease, cancel);
    public Task<bool> PingAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Leases.PingAsync(lease, cancel);
    public Task<DhcpLeaseStatus> StatusAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Leases.StatusAsync(lease, cancel);
    public Task<IReadOnlyList<DhcpLeaseStatus>> StatusAllAsync(CancellationToken cancel = default) => Leases.StatusAllAsync(cancel);
    public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, byte code, CancellationToken cancel = default) => Leases.GetOptionAsync(lease, code, cancel);
    public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, string name, CancellationToken cancel = default) => Leases.GetOptionAsync(lease, name, cancel);
    public Task<byte[]> GetVendorOptionAsync(DhcpLeaseKey lease, byte subCode, CancellationToken cancel = default) => Leases.GetVendorOptionAsync(lease, subCode, cancel);
    public Task<string> GetFieldAsync(DhcpLeaseKey lease, string field, CancellationToken cancel = default) => Leases.GetFieldAsync(lease, field, cancel);
    public Task<IDisposable> SubscribeAsync(DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent, CancellationToken cancel = default) =>
        Leases.SubscribeAsync(lease, onEvent, cancel);

    FakeIscsiSession Find(string sessionIdentifier)
    {
        lock (gate)
        {
            return sessions.FirstOrDefault(s => string.Equals(s.SessionIdentifier, sessionIdentifier, StringComparison.OrdinalIgnoreCase))
                   ?? throw new IscsiSessionNotFoundException(sessionIdentifier);
        }
    }
}
