using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Agent
{
    /// <summary>Leases routed as <see cref="RoutedService"/> routes sessions: new ones to the agent when it runs, each command to where its lease lives.</summary>
    public sealed class RoutedDhcpService : IDhcpService
    {
        readonly RoutedService routes;

        internal RoutedDhcpService(RoutedService routes) => this.routes = routes;

        InProcessDhcpService Local => routes.Local.LocalLeases;

        async Task<IDhcpService> NewLeasesAsync(CancellationToken cancel) =>
            (await routes.FindAgentAsync(cancel).ConfigureAwait(false))?.Leases ?? Local;

        async Task<IDhcpService> WhereAsync(DhcpLeaseKey lease, CancellationToken cancel) =>
            Local.Holds(lease) ? Local : await NewLeasesAsync(cancel).ConfigureAwait(false);

        public async Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default) =>
            await (await NewLeasesAsync(cancel).ConfigureAwait(false)).StartAsync(request, wait, cancel).ConfigureAwait(false);

        public async Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default) =>
            await (await NewLeasesAsync(cancel).ConfigureAwait(false)).InformAsync(request, address, wait, cancel).ConfigureAwait(false);

        public async Task<DhcpLeaseStatus> ExtendAsync(DhcpLeaseKey lease, TimeSpan? wait = null, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).ExtendAsync(lease, wait, cancel).ConfigureAwait(false);

        public async Task<DhcpLeaseStatus> ReleaseAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).ReleaseAsync(lease, cancel).ConfigureAwait(false);

        public async Task<DhcpLeaseStatus> DropAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).DropAsync(lease, cancel).ConfigureAwait(false);

        public async Task<bool> PingAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).PingAsync(lease, cancel).ConfigureAwait(false);

        public async Task<DhcpLeaseStatus> StatusAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).StatusAsync(lease, cancel).ConfigureAwait(false);

        public async Task<IReadOnlyList<DhcpLeaseStatus>> StatusAllAsync(CancellationToken cancel = default)
        {
            var own = await Local.StatusAllAsync(cancel).ConfigureAwait(false);
            if (await routes.FindAgentAsync(cancel).ConfigureAwait(false) is not { } agent) return own;
            return own.Concat(await agent.Leases.StatusAllAsync(cancel).ConfigureAwait(false)).ToList();
        }

        public async Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, byte code, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).GetOptionAsync(lease, code, cancel).ConfigureAwait(false);

        public async Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, string name, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).GetOptionAsync(lease, name, cancel).ConfigureAwait(false);

        public async Task<byte[]> GetVendorOptionAsync(DhcpLeaseKey lease, byte subCode, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).GetVendorOptionAsync(lease, subCode, cancel).ConfigureAwait(false);

        public async Task<string> GetFieldAsync(DhcpLeaseKey lease, string field, CancellationToken cancel = default) =>
            await (await WhereAsync(lease, cancel).ConfigureAwait(false)).GetFieldAsync(lease, field, cancel).ConfigureAwait(false);

        /// <summary>One lease: where it lives (or will: the agent when it runs). Every lease: both places.</summary>
        public async Task<IDisposable> SubscribeAsync(DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent, CancellationToken cancel = default)
        {
            if (lease is { } one) return await (await WhereAsync(one, cancel).ConfigureAwait(false)).SubscribeAsync(one, onEvent, cancel).ConfigureAwait(false);
            var own = await Local.SubscribeAsync(null, onEvent, cancel).ConfigureAwait(false);
            if (await routes.FindAgentAsync(cancel).ConfigureAwait(false) is not { } agent) return own;
            return new Both(own, await agent.Leases.SubscribeAsync(null, onEvent, cancel).ConfigureAwait(false));
        }

        sealed class Both : IDisposable
        {
            readonly IDisposable first, second;
            public Both(IDisposable first, IDisposable second) { this.first = first; this.second = second; }
            public void Dispose() { first.Dispose(); second.Dispose(); }
        }
    }
}
