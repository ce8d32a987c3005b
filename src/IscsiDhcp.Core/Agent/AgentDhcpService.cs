using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Agent
{
    /// <summary>The leases served by the agent: each of dhcpagent's commands one request on the agent's connection.</summary>
    public sealed class AgentDhcpService : IDhcpService
    {
        readonly AgentClient agent;

        internal AgentDhcpService(AgentClient agent) => this.agent = agent;

        public Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default) =>
            agent.CallAsync(AgentCommands.LeaseStart, w => { LeaseJson.WriteStartRequest(w, "request", request); w.WriteTimeSpan("wait", wait); }, LeaseJson.ReadStatus, cancel);

        public Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default) =>
            agent.CallAsync(AgentCommands.LeaseInform, w =>
            {
                LeaseJson.WriteStartRequest(w, "request", request);
                w.WriteAddress("address", address);
                w.WriteTimeSpan("wait", wait);
            }, LeaseJson.ReadStatus, cancel);

        public Task<DhcpLeaseStatus> ExtendAsync(DhcpLeaseKey lease, TimeSpan? wait = null, CancellationToken cancel = default) =>
            agent.CallAsync(AgentCommands.LeaseExtend, w => { LeaseJson.WriteKey(w, "lease", lease); w.WriteTimeSpan("wait", wait); }, LeaseJson.ReadStatus, cancel);

        public Task<DhcpLeaseStatus> ReleaseAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Command(AgentCommands.LeaseRelease, lease, LeaseJson.ReadStatus, cancel);

        public Task<DhcpLeaseStatus> DropAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Command(AgentCommands.LeaseDrop, lease, LeaseJson.ReadStatus, cancel);

        public Task<bool> PingAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Command(AgentCommands.LeasePing, lease, r => r.GetBoolean(), cancel);

        public Task<DhcpLeaseStatus> StatusAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => Command(AgentCommands.LeaseStatus, lease, LeaseJson.ReadStatus, cancel);

        public Task<IReadOnlyList<DhcpLeaseStatus>> StatusAllAsync(CancellationToken cancel = default) =>
            agent.CallAsync<IReadOnlyList<DhcpLeaseStatus>>(AgentCommands.LeaseStatusAll, null, r => r.EnumerateArray().Select(LeaseJson.ReadStatus).ToList(), cancel);

        public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, byte code, CancellationToken cancel = default) => Option(lease, w => w.WriteNumber("code", code), cancel);

        public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, string name, CancellationToken cancel = default) => Option(lease, w => w.WriteString("name", name), cancel);

        public Task<byte[]> GetVendorOptionAsync(DhcpLeaseKey lease, byte subCode, CancellationToken cancel = default) => Option(lease, w => w.WriteNumber("vendor", subCode), cancel);

        public Task<string> GetFieldAsync(DhcpLeaseKey lease, string field, CancellationToken cancel = default) =>
            agent.CallAsync(AgentCommands.LeaseOption, w => { LeaseJson.WriteKey(w, "lease", lease); w.WriteString("field", field); }, r => r.GetString() ?? "", cancel);

        public Task<IDisposable> SubscribeAsync(DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent, CancellationToken cancel = default) =>
            agent.SubscribeAsync(AgentCommands.LeaseSubscribe, w =>
            {
                if (lease is { } only) LeaseJson.WriteKey(w, "lease", only);
            }, (kind, data) =>
            {
                if (kind == "lease") onEvent(LeaseJson.ReadEvent(data));
            }, cancel);

        Task<T> Command<T>(string command, DhcpLeaseKey lease, Func<JsonElement, T> read, CancellationToken cancel) =>
            agent.CallAsync(command, w => LeaseJson.WriteKey(w, "lease", lease), read, cancel);

        Task<byte[]> Option(DhcpLeaseKey lease, Action<Utf8JsonWriter> which, CancellationToken cancel) =>
            agent.CallAsync(AgentCommands.LeaseOption, w => { LeaseJson.WriteKey(w, "lease", lease); which(w); }, r => r.GetBytesFromBase64(), cancel);
    }
}
