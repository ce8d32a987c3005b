using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// The agent's command table: every command by name, whether it needs privilege, and what
    /// it does with the agent's sessions, leases and store. Reading (status, options, watching)
    /// is open to every local user; changing anything needs privilege (dhcpagent: START,
    /// EXTEND, RELEASE, DROP, INFORM are privileged; PING, STATUS, GET_TAG are not).
    /// </summary>
    public sealed class AgentCommands
    {
        public const string Ping = "Agent.Ping", Status = "Agent.Status", Stop = "Agent.Stop";
        public const string SessionStart = "Session.Start", SessionList = "Session.List", SessionWaitForLogin = "Session.WaitForLogin",
            SessionWatch = "Session.Watch", SessionDisconnect = "Session.Disconnect", SessionRegister = "Session.Register",
            SessionUnregister = "Session.Unregister", SessionInspect = "Session.Inspect";
        public const string PortalAdd = "Portal.Add", PortalList = "Portal.List", PortalRemove = "Portal.Remove";
        public const string LeaseStart = "Lease.Start", LeaseInform = "Lease.Inform", LeaseExtend = "Lease.Extend", LeaseRelease = "Lease.Release",
            LeaseDrop = "Lease.Drop", LeasePing = "Lease.Ping", LeaseStatus = "Lease.Status", LeaseStatusAll = "Lease.StatusAll",
            LeaseOption = "Lease.Option", LeaseSubscribe = "Lease.Subscribe";
        public const string Unsubscribe = "Unsubscribe";

        /// <summary>How long Portal.Add's discovery may take when the caller does not say.</summary>
        public static readonly TimeSpan PortalDiscoveryTimeout = TimeSpan.FromSeconds(15);

        readonly IscsiDhcpAgent agent;
        readonly Dictionary<string, AgentCommand> table;

        public AgentCommands(IscsiDhcpAgent agent)
        {
            this.agent = agent;
            table = new Dictionary<string, AgentCommand>(StringComparer.Ordinal)
            {
                [Ping] = Open("pinging the agent", _ => Result((w, n) => w.WriteNumber(n, agent.ProcessId))),
                [Status] = Open("asking the agent's status", _ => Result((w, n) => AgentJson.WriteStatus(w, n, agent.GetStatus()))),
                [Stop] = Privileged("stopping the agent", StopAgent),
                [SessionStart] = Privileged("connecting a session", StartSessionAsync),
                [SessionList] = Open("listing sessions", ListSessionsAsync),
                [SessionWaitForLogin] = Open("waiting for a login", WaitForLoginAsync),
                [SessionWatch] = Open("watching a session", WatchSessionAsync),
                [SessionDisconnect] = Privileged("disconnecting a session", DisconnectSessionAsync),
                [SessionRegister] = Privileged("registering a persistent session", RegisterSession),
                [SessionUnregister] = Privileged("unregistering a persistent session", UnregisterSession),
                [SessionInspect] = Open("describing a LUN", InspectAsync),
                [PortalAdd] = Privileged("adding a target portal", AddPortalAsync),
                [PortalList] = Open("listing target portals", _ => Result((w, n) => WriteArray(w, n, agent.Store.Portals, (x, p) => AgentJson.WritePortal(x, IscsiTargetPortal.From(p))))),
                [PortalRemove] = Privileged("removing a target portal", RemovePortal),
                [LeaseStart] = Privileged("starting a lease", StartLeaseAsync),
                [LeaseInform] = Privileged("asking for information (INFORM)", InformAsync),
                [LeaseExtend] = Privileged("extending a lease", call => LeaseResultAsync(agent.Service.Leases.ExtendAsync(Key(call), Wait(call), call.Cancellation))),
                [LeaseRelease] = Privileged("releasing a lease", ReleaseLeaseAsync),
                [LeaseDrop] = Privileged("dropping a lease", DropLeaseAsync),
                [LeasePing] = Open("pinging a lease", async call =>
                {
                    var alive = await agent.Service.Leases.PingAsync(Key(call), call.Cancellation).ConfigureAwait(false);
                    return (w, n) => w.WriteBoolean(n, alive);
                }),
                [LeaseStatus] = Open("asking a lease's status", call => LeaseResultAsync(agent.Service.Leases.StatusAsync(Key(call), call.Cancellation))),
                [LeaseStatusAll] = Open("listing leases", async call =>
                {
                    var all = await agent.Service.Leases.StatusAllAsync(call.Cancellation).ConfigureAwait(false);
                    return (w, n) => WriteArray(w, n, all, LeaseJson.WriteStatus);
                }),
                [LeaseOption] = Open("reading a lease's option", GetOptionAsync),
                [LeaseSubscribe] = Open("watching leases", SubscribeLeasesAsync),
                [Unsubscribe] = Open("ending a subscription", call =>
                {
                    var removed = call.Subscriptions.Remove(call.Arguments.Int64("subscription"));
                    return Result((w, n) => w.WriteBoolean(n, removed));
                }),
            };
        }

        /// <summary>Who besides root may change state, as a refusal says it.</summary>
        public string AdminGroupText => agent.Options.AdminGroup is { Length: > 0 } group ? $"the '{group}' group" : "no group (root only)";

        public bool TryGet(string name, out AgentCommand command) => table.TryGetValue(name, out command!);

        public IEnumerable<KeyValuePair<string, AgentCommand>> All => table;

        static AgentCommand Open(string action, Func<AgentCall, Task<Action<Utf8JsonWriter, string>?>> handler) => new(false, action, handler);

        static AgentCommand Privileged(string action, Func<AgentCall, Task<Action<Utf8JsonWriter, string>?>> handler) => new(true, action, handler);

        static Task<Action<Utf8JsonWriter, string>?> Result(Action<Utf8JsonWriter, string>? write) => Task.FromResult(write);

        static void WriteArray<T>(Utf8JsonWriter w, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
        {
            w.WriteStartArray(name);
            foreach (var item in items) write(w, item);
            w.WriteEndArray();
        }

        static string SessionId(AgentCall call) => call.Arguments.String("session");

        static DhcpLeaseKey Key(AgentCall call) => LeaseJson.ReadKey(call.Arguments.Object("lease"));

        static TimeSpan? Wait(AgentCall call) => call.Arguments.OptionalTimeSpan("wait");

        static async Task<Action<Utf8JsonWriter, string>?> LeaseResultAsync(Task<DhcpLeaseStatus> reply)
        {
            var status = await reply.ConfigureAwait(false);
            return (w, n) => { w.WritePropertyName(n); LeaseJson.WriteStatus(w, status); };
        }

        Action<Utf8JsonWriter, string> SessionResult(IscsiSessionStatus status)
        {
            agent.MarkPersistence(status);
            return (w, n) => { w.WritePropertyName(n); SessionJson.WriteStatus(w, status); };
        }

        Task<Action<Utf8JsonWriter, string>?> StopAgent(AgentCall call)
        {
            _ = Task.Delay(100).ContinueWith(_ => agent.Stop(), TaskScheduler.Default);   // after the reply has gone
            return Result(null);
        }

        async Task<Action<Utf8JsonWriter, string>?> StartSessionAsync(AgentCall call)
        {
            var request = ReadArgument(() => SessionJson.ReadRequest(call.Arguments.Object("request")));
            return SessionResult(await agent.StartSessionAsync(request, call.Cancellation).ConfigureAwait(false));
        }

        async Task<Action<Utf8JsonWriter, string>?> ListSessionsAsync(AgentCall call)
        {
            var sessions = await agent.Service.GetSessionsAsync(call.Cancellation).ConfigureAwait(false);
            foreach (var s in sessions) agent.MarkPersistence(s);
            return (w, n) => WriteArray(w, n, sessions, SessionJson.WriteStatus);
        }

        async Task<Action<Utf8JsonWriter, string>?> WaitForLoginAsync(AgentCall call) =>
            SessionResult(await agent.Service.WaitForLoginAsync(SessionId(call), call.Cancellation).ConfigureAwait(false));

        async Task<Action<Utf8JsonWriter, string>?> WatchSessionAsync(AgentCall call)
        {
            var subscription = await agent.Service.WatchSessionAsync(SessionId(call), new RemoteObserver(call), call.Cancellation).ConfigureAwait(false);
            if (!call.Subscriptions.Add(call.Id, subscription)) throw new InvalidOperationException($"a connection may hold {AgentSubscriptions.Max} subscriptions");
            return null;
        }

        async Task<Action<Utf8JsonWriter, string>?> DisconnectSessionAsync(AgentCall call)
        {
            var id = SessionId(call);
            agent.Keeper.Disconnecting(id);
            await agent.Service.DisconnectSessionAsync(id, call.Arguments.Boolean("force"), call.Cancellation).ConfigureAwait(false);
            return null;
        }

        /// <summary>
        /// Runs one SCSI command that only describes a LUN (<see cref="ScsiInspection"/>) and
        /// returns its status, sense and data as they came: Get-IscsiLun for a session the agent
        /// holds, open to every local user because nothing of the LUN's data moves.
        /// </summary>
        async Task<Action<Utf8JsonWriter, string>?> InspectAsync(AgentCall call)
        {
            var cdb = call.Arguments.Bytes("cdb");
            var length = call.Arguments.Int32("length");
            var lun = call.Arguments.Int32("lun");
            if (cdb.Length > 16 || !ScsiInspection.IsDescriptive(cdb))
                throw new AgentProtocolException("'cdb' is not a command that only describes a LUN (TEST UNIT READY, INQUIRY, MODE SENSE, READ CAPACITY, REPORT LUNS)");
            if (length < 0 || length > ScsiInspection.MaxDataLength) throw new AgentProtocolException($"'length' must be 0 to {ScsiInspection.MaxDataLength}");
            if (lun < 0 || lun > 16383) throw new AgentProtocolException("'lun' must be 0 to 16383");
            var transport = await agent.Service.OpenTransportAsync(SessionId(call), call.Cancellation).ConfigureAwait(false);
            var data = new byte[length];
            var completion = new ScsiCommandCompletion();
            transport.Start(new ScsiCommandRequest(ScsiLun.Encode(lun), cdb, data), completion, call.Cancellation);
            var result = await completion.Task.ConfigureAwait(false);
            return (w, n) =>
            {
                w.WriteStartObject(n);
                w.WriteNumber("status", result.Status);
                w.WriteBase64String("sense", result.Sense ?? Array.Empty<byte>());
                w.WriteBase64String("data", data.AsSpan(0, Math.Min(result.BytesTransferred, data.Length)));
                w.WriteBoolean("underflow", result.Underflow);
                w.WriteBoolean("overflow", result.Overflow);
                w.WriteNumber("residual", result.ResidualCount);
                w.WriteEndObject();
            };
        }

        Task<Action<Utf8JsonWriter, string>?> RegisterSession(AgentCall call) => Result((w, n) =>
        {
            w.WritePropertyName(n);
            SessionJson.WriteStatus(w, agent.Register(SessionId(call)));
        });

        Task<Action<Utf8JsonWriter, string>?> UnregisterSession(AgentCall call)
        {
            var removed = agent.Unregister(call.Arguments.String("target"), call.Arguments.String("initiator"));
            return Result((w, n) => w.WriteBoolean(n, removed));
        }

        /// <summary>
        /// Stores a portal once a discovery there has worked with its settings (as Windows'
        /// New-IscsiTargetPortal does), so that a wrong address or secret is said now, not at
        /// the next start.
        /// </summary>
        async Task<Action<Utf8JsonWriter, string>?> AddPortalAsync(AgentCall call)
        {
            var portal = ReadArgument(() => SessionJson.ReadRequest(call.Arguments.Object("request")));
            var timeout = call.Arguments.OptionalTimeSpan("timeout") ?? PortalDiscoveryTimeout;
            if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(1)) throw new AgentProtocolException("'timeout' must be between 0 and 1 hour");
            await agent.Service.DiscoverAsync(portal.Portal, portal.Settings, null, timeout, call.Cancellation).ConfigureAwait(false);
            agent.Store.SavePortal(portal);
            return (w, n) => { w.WritePropertyName(n); AgentJson.WritePortal(w, IscsiTargetPortal.From(portal)); };
        }

        Task<Action<Utf8JsonWriter, string>?> RemovePortal(AgentCall call)
        {
            var removed = agent.Store.RemovePortal(call.Arguments.String("host"), call.Arguments.Int32("port"));
            return Result((w, n) => w.WriteBoolean(n, removed));
        }

        async Task<Action<Utf8JsonWriter, string>?> StartLeaseAsync(AgentCall call)
        {
            var request = ReadArgument(() => LeaseJson.ReadStartRequest(call.Arguments.Object("request")));
            return await LeaseResultAsync(agent.StartLeaseAsync(request, Wait(call), call.Cancellation)).ConfigureAwait(false);
        }

        async Task<Action<Utf8JsonWriter, string>?> InformAsync(AgentCall call)
        {
            var request = ReadArgument(() => LeaseJson.ReadStartRequest(call.Arguments.Object("request")));
            var address = call.Arguments.OptionalAddress("address") ?? throw new AgentProtocolException("'address' is not an IP address");
            return await LeaseResultAsync(agent.Service.Leases.InformAsync(request, address, Wait(call), call.Cancellation)).ConfigureAwait(false);
        }

        async Task<Action<Utf8JsonWriter, string>?> ReleaseLeaseAsync(AgentCall call)
        {
            var key = Key(call);
            var status = await agent.Service.Leases.ReleaseAsync(key, call.Cancellation).ConfigureAwait(false);
            agent.Store.RemoveLease(key);
            return (w, n) => { w.WritePropertyName(n); LeaseJson.WriteStatus(w, status); };
        }

        async Task<Action<Utf8JsonWriter, string>?> DropLeaseAsync(AgentCall call)
        {
            var key = Key(call);
            var status = await agent.Service.Leases.DropAsync(key, call.Cancellation).ConfigureAwait(false);
            agent.Store.RemoveLease(key);
            return (w, n) => { w.WritePropertyName(n); LeaseJson.WriteStatus(w, status); };
        }

        async Task<Action<Utf8JsonWriter, string>?> GetOptionAsync(AgentCall call)
        {
            var key = Key(call);
            var a = call.Arguments;
            var leases = agent.Service.Leases;
            if (a.OptionalString("field") is { } field)
            {
                var text = await leases.GetFieldAsync(key, field, call.Cancellation).ConfigureAwait(false);
                return (w, n) => w.WriteString(n, text);
            }
            var value = a.OptionalString("name") is { } name ? await leases.GetOptionAsync(key, name, call.Cancellation).ConfigureAwait(false)
                : a.OptionalInt64("vendor") is { } vendor ? await leases.GetVendorOptionAsync(key, Byte(vendor, "vendor"), call.Cancellation).ConfigureAwait(false)
                : await leases.GetOptionAsync(key, Byte(a.Int64("code"), "code"), call.Cancellation).ConfigureAwait(false);
            return (w, n) => w.WriteBase64String(n, value);
        }

        static byte Byte(long value, string name) => value is >= 0 and <= 255 ? (byte)value : throw new AgentProtocolException($"'{name}' is not 0 to 255");

        async Task<Action<Utf8JsonWriter, string>?> SubscribeLeasesAsync(AgentCall call)
        {
            var only = call.Arguments.OptionalObject("lease") is { } key ? LeaseJson.ReadKey(key) : (DhcpLeaseKey?)null;
            var subscription = await agent.Service.Leases.SubscribeAsync(only, e => call.Event("lease", w => LeaseJson.WriteEvent(w, e)), call.Cancellation)
                .ConfigureAwait(false);
            if (!call.Subscriptions.Add(call.Id, subscription)) throw new InvalidOperationException($"a connection may hold {AgentSubscriptions.Max} subscriptions");
            return null;
        }

        /// <summary>Reads an argument that is checked as it is read: what it finds wrong is a malformed request, not a fault of the agent.</summary>
        static T ReadArgument<T>(Func<T> read)
        {
            try { return read(); }
            catch (ArgumentException e) { throw new AgentProtocolException($"a bad argument: {e.Message}"); }
        }

        /// <summary>A session's transitions and end, sent as events of the subscription.</summary>
        sealed class RemoteObserver : IIscsiSessionObserver
        {
            readonly AgentCall call;
            public RemoteObserver(AgentCall call) => this.call = call;

            public void OnStateChanged(IscsiSessionStateChange change) => call.Event("transition", w => SessionJson.WriteChange(w, change));

            public void OnEnded(Exception? failure) => call.Event("ended", w =>
            {
                w.WriteStartObject();
                if (failure is not null) FaultJson.Write(w, "failure", failure);
                w.WriteEndObject();
            });
        }
    }
}
