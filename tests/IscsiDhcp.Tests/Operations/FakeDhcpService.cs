using System.Collections.Concurrent;
using System.Net;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Tests.Operations;

/// <summary>
/// <see cref="IDhcpService"/> in memory: leases made from ACKs the test writes, the command
/// table applied as the agent applies it, every command recorded, events raised when the test
/// says (and on RELEASE and DROP), failures scripted per command. No socket, no root.
/// </summary>
public sealed class FakeDhcpService : IDhcpService
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
    readonly object gate = new();
    readonly Dictionary<DhcpLeaseKey, (DhcpClientState State, DhcpLease? Lease)> leases = new();
    readonly List<(DhcpLeaseKey? Only, Action<DhcpAgentEventArgs> Handler)> subscribers = new();

    /// <summary>"Start eth0 01:02:..", "Extend ..", in the order they came.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();
    /// <summary>What START and INFORM were given.</summary>
    public ConcurrentQueue<DhcpStartRequest> Requests { get; } = new();
    /// <summary>The waits callers gave.</summary>
    public ConcurrentQueue<TimeSpan?> Waits { get; } = new();
    /// <summary>A failure for a command ("Start", "Extend", ...) on a lease, or null to let it run.</summary>
    public Func<string, DhcpLeaseKey, Exception?> Fail { get; set; } = (_, _) => null;
    /// <summary>Set: START waits on it (and on its caller's token) before it binds.</summary>
    public Task? StartGate { get; set; }

    /// <summary>An ACK as a server would send it; options as the test gives them.</summary>
    public static DhcpMessage Ack(IPAddress address, params (DhcpOptionCode Code, byte[] Value)[] options)
    {
        var ack = new DhcpMessage { Op = DhcpMessage.BootReply, TransactionId = 0x1234abcd, YourAddress = address, HardwareLength = 6, ServerName = "fake-server", BootFile = "boot.img" };
        ack.Set(DhcpOptionCode.MessageType, [(byte)DhcpMessageType.Ack]);
        ack.Set(DhcpOptionCode.ServerIdentifier, [198, 18, 0, 1]);
        ack.Set(DhcpOptionCode.LeaseTime, [0, 0, 0x0e, 0x10]);
        ack.Set(DhcpOptionCode.SubnetMask, [255, 255, 255, 0]);
        foreach (var (code, value) in options) ack.Set(code, value);
        return ack;
    }

    public static DhcpLeaseKey Key(string interfaceName, byte last = 1) => new(interfaceName, [1, 2, 0, 0, 0, 0, last]);

    /// <summary>A lease held in <paramref name="state"/>.</summary>
    public DhcpLeaseKey Add(DhcpLeaseKey key, DhcpLease? lease, DhcpClientState state = DhcpClientState.Bound)
    {
        lock (gate) leases[key] = (state, lease);
        return key;
    }

    public DhcpLeaseKey Add(string interfaceName, byte last = 1, params (DhcpOptionCode Code, byte[] Value)[] options) =>
        Add(Key(interfaceName, last), DhcpLease.FromAck(Ack(IPAddress.Parse($"198.18.0.{20 + last}"), options), T0));

    public bool Holds(DhcpLeaseKey key)
    {
        lock (gate) return leases.ContainsKey(key);
    }

    /// <summary>Raises an event to the subscribers, on the caller's thread.</summary>
    public void Raise(DhcpLeaseKey key, DhcpLeaseEventKind kind)
    {
        DhcpLease? lease;
        List<(DhcpLeaseKey? Only, Action<DhcpAgentEventArgs> Handler)> now;
        lock (gate)
        {
            lease = leases.TryGetValue(key, out var held) ? held.Lease : null;
            now = subscribers.ToList();
        }
        var e = new DhcpAgentEventArgs(key, new DhcpLeaseEventArgs(kind, T0, lease, kind is DhcpLeaseEventKind.Dropped or DhcpLeaseEventKind.Released ? null : lease));
        foreach (var (only, handler) in now)
            if (only is null || only == key) handler(e);
    }

    static DhcpLeaseStatus StatusOf(DhcpLeaseKey key, DhcpClientState state, DhcpLease? lease) => new()
    {
        Key = key,
        State = state,
        Address = lease?.Address,
        PrefixLength = lease?.PrefixLength ?? 0,
        Server = lease?.Server,
        LeaseBegan = lease?.Obtained,
        ExpiresAt = lease?.ExpiresAt,
        Routers = lease?.Routers ?? [],
    };

    /// <summary>Records the call, applies a scripted failure and the command table; the lease as held.</summary>
    (DhcpClientState State, DhcpLease? Lease) Admit(string command, DhcpLeaseKey key, DhcpCommand? checkedAs)
    {
        Calls.Enqueue($"{command} {key}");
        if (Fail(command, key) is { } failure) throw failure;
        lock (gate)
        {
            if (!leases.TryGetValue(key, out var held))
            {
                if (command is "Start" or "Inform") return (DhcpClientState.Stopped, null);
                throw new DhcpAgentException(DhcpAgentError.UnknownInterface, $"no lease is managed on {key.InterfaceName}");
            }
            if (checkedAs is { } c && !DhcpCommandTable.IsAllowed(held.State, c))
                throw new DhcpAgentException(DhcpAgentError.NotAllowedInState, $"{key.InterfaceName}: {c} is not allowed while the lease is {held.State}");
            return held;
        }
    }

    static Task<T> Reply<T>(Func<T> command)
    {
        try { return Task.FromResult(command()); }
        catch (Exception e) { return Task.FromException<T>(e); }
    }

    static DhcpLeaseKey KeyOf(DhcpStartRequest request) =>
        new(request.InterfaceName, request.Identity?.ClientId ?? throw new ArgumentException("the fake needs an identity (-MacAddress)"));

    public async Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default)
    {
        var key = KeyOf(request);
        Requests.Enqueue(request);
        Waits.Enqueue(wait);
        Admit("Start", key, DhcpCommand.Start);
        lock (gate) leases[key] = (DhcpClientState.Selecting, null);
        if (StartGate is { } gateTask) await gateTask.WaitAsync(cancel);
        var lease = DhcpLease.FromAck(Ack(request.ClientOptions?.RequestedAddress ?? IPAddress.Parse("198.18.0.50")), T0);
        lock (gate) leases[key] = (DhcpClientState.Bound, lease);
        Raise(key, DhcpLeaseEventKind.Bound);
        return StatusOf(key, DhcpClientState.Bound, lease);
    }

    public Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default) => Reply(() =>
    {
        var key = KeyOf(request);
        Requests.Enqueue(request);
        Admit("Inform", key, DhcpCommand.Inform);
        var lease = DhcpLease.FromInformation(Ack(address), T0);
        lock (gate) leases[key] = (DhcpClientState.Information, lease);
        return StatusOf(key, DhcpClientState.Information, lease);
    });

    public Task<DhcpLeaseStatus> ExtendAsync(DhcpLeaseKey lease, TimeSpan? wait = null, CancellationToken cancel = default) => Reply(() =>
    {
        Waits.Enqueue(wait);
        var held = Admit("Extend", lease, DhcpCommand.Extend);
        var renewed = DhcpLease.FromAck(held.Lease!.Ack, T0.AddMinutes(30), held.Lease);
        lock (gate) leases[lease] = (DhcpClientState.Bound, renewed);
        return StatusOf(lease, DhcpClientState.Bound, renewed);
    });

    public Task<DhcpLeaseStatus> ReleaseAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Reply(() => End("Release", lease, DhcpCommand.Release, DhcpLeaseEventKind.Released));

    public Task<DhcpLeaseStatus> DropAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Reply(() => End("Drop", lease, DhcpCommand.Drop, DhcpLeaseEventKind.Dropped));

    DhcpLeaseStatus End(string command, DhcpLeaseKey key, DhcpCommand checkedAs, DhcpLeaseEventKind kind)
    {
        var held = Admit(command, key, checkedAs);
        var status = StatusOf(key, DhcpClientState.Stopped, held.Lease);
        Raise(key, kind);
        lock (gate) leases.Remove(key);
        return status;
    }

    public Task<bool> PingAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Reply(() =>
        Admit("Ping", lease, DhcpCommand.Ping).State is DhcpClientState.Bound or DhcpClientState.Renewing or DhcpClientState.Rebinding or DhcpClientState.Information);

    public Task<DhcpLeaseStatus> StatusAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Reply(() =>
    {
        var held = Admit("Status", lease, DhcpCommand.Status);
        return StatusOf(lease, held.State, held.Lease);
    });

    public Task<IReadOnlyList<DhcpLeaseStatus>> StatusAllAsync(CancellationToken cancel = default) => Reply(() =>
    {
        lock (gate) return (IReadOnlyList<DhcpLeaseStatus>)leases.Select(l => StatusOf(l.Key, l.Value.State, l.Value.Lease)).ToList();
    });

    DhcpLease Query(DhcpLeaseKey key) => Admit("GetOption", key, DhcpCommand.GetOption).Lease!;

    public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, byte code, CancellationToken cancel = default) =>
        Reply(() => DhcpLeaseQuery.Option(Query(lease), lease.InterfaceName, code));

    public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, string name, CancellationToken cancel = default) =>
        Reply(() => DhcpLeaseQuery.Option(Query(lease), lease.InterfaceName, name));

    public Task<byte[]> GetVendorOptionAsync(DhcpLeaseKey lease, byte subCode, CancellationToken cancel = default) =>
        Reply(() => DhcpLeaseQuery.VendorOption(Query(lease), lease.InterfaceName, subCode));

    public Task<string> GetFieldAsync(DhcpLeaseKey lease, string field, CancellationToken cancel = default) =>
        Reply(() => DhcpLeaseQuery.Field(Query(lease), field));

    public Task<IDisposable> SubscribeAsync(DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent, CancellationToken cancel = default)
    {
        var entry = (lease, onEvent);
        lock (gate) subscribers.Add(entry);
        return Task.FromResult<IDisposable>(new Unsubscribe(() => { lock (gate) subscribers.Remove(entry); }));
    }

    public int Subscribers
    {
        get { lock (gate) return subscribers.Count; }
    }

    sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
