using IscsiDhcp.Block;
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

    /// <summary>As the in-process service opens a LUN: checked through SCSI commands on the fake session.</summary>
    public async Task<IBlockDevice> OpenBlockDeviceAsync(string sessionIdentifier, int lun, bool writable, CancellationToken cancel)
    {
        var session = Find(sessionIdentifier);
        var (device, capacity) = await IscsiBlockLun.OpenAsync(session, session.TargetName, lun, cancel);
        return new ScsiBlockDevice(device, capacity);
    }

    /// <summary>The leases half, as <see cref="FakeDhcpService"/> fakes it.</summary>
    public FakeDhcpService Leases { get; } = new();

    IDhcpService IIscsiDhcpService.Leases => Leases;

    FakeIscsiSession Find(string sessionIdentifier)
    {
        lock (gate)
        {
            return sessions.FirstOrDefault(s => string.Equals(s.SessionIdentifier, sessionIdentifier, StringComparison.OrdinalIgnoreCase))
                   ?? throw new IscsiSessionNotFoundException(sessionIdentifier);
        }
    }
}
