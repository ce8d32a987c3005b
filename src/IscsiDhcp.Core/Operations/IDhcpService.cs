using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;

namespace IscsiDhcp.Operations
{
    /// <summary>
    /// The one way operations reach leases: dhcpagent's commands, each a request of data and
    /// a reply of data (or a <see cref="DhcpAgentException"/> with its <see cref="DhcpAgentError"/>,
    /// or a <see cref="ArgumentException"/> for an argument no lease could take), and lease
    /// events as a subscription. No live object crosses it, so an agent in another process
    /// can serve it over length-prefixed requests and replies. Served in this process by
    /// <see cref="InProcessDhcpService"/>.
    /// </summary>
    public interface IDhcpService
    {
        /// <summary>
        /// START: obtains a lease (INIT-REBOOT from a stored one) and waits up to
        /// <paramref name="wait"/> for it. When the wait ends first the attempt goes on and the
        /// caller gets <see cref="DhcpAgentError.Timeout"/>; cancelling the wait cancels only the wait.
        /// Errors: NotAllowedInState, Pending, Permission, Timeout, FailedInterface.
        /// </summary>
        Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default);

        /// <summary>INFORM: the options for an address configured by other means. Errors as START's, and Bootp.</summary>
        Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default);

        /// <summary>EXTEND: renews now. Errors: UnknownInterface, NotAllowedInState, Pending, Bootp, Timeout.</summary>
        Task<DhcpLeaseStatus> ExtendAsync(DhcpLeaseKey lease, TimeSpan? wait = null, CancellationToken cancel = default);

        /// <summary>
        /// RELEASE: gives the address back, deletes the stored lease, takes the address off the
        /// interface; returns once subscribers have had the lease's last events. Errors:
        /// UnknownInterface, NotAllowedInState, Bootp.
        /// </summary>
        Task<DhcpLeaseStatus> ReleaseAsync(DhcpLeaseKey lease, CancellationToken cancel = default);

        /// <summary>DROP: stops managing the lease; it stays stored and on the interface. Errors: UnknownInterface.</summary>
        Task<DhcpLeaseStatus> DropAsync(DhcpLeaseKey lease, CancellationToken cancel = default);

        /// <summary>PING: whether the lease is alive. Errors: UnknownInterface, FailedInterface.</summary>
        Task<bool> PingAsync(DhcpLeaseKey lease, CancellationToken cancel = default);

        /// <summary>STATUS of one lease. Errors: UnknownInterface.</summary>
        Task<DhcpLeaseStatus> StatusAsync(DhcpLeaseKey lease, CancellationToken cancel = default);

        /// <summary>STATUS of every lease.</summary>
        Task<IReadOnlyList<DhcpLeaseStatus>> StatusAllAsync(CancellationToken cancel = default);

        /// <summary>GET_TAG by code: the current ACK's value, else the original ACK's. Errors: UnknownInterface, NotAllowedInState, NoOption.</summary>
        Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, byte code, CancellationToken cancel = default);

        /// <summary>GET_TAG by name (RFC 2132's, dhcpd's or dnsmasq's); an unknown name is an ArgumentException.</summary>
        Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, string name, CancellationToken cancel = default);

        /// <summary>A vendor-specific (43) sub-option. Errors as GET_TAG's.</summary>
        Task<byte[]> GetVendorOptionAsync(DhcpLeaseKey lease, byte subCode, CancellationToken cancel = default);

        /// <summary>A BOOTP header field of the ACK (siaddr, giaddr, ciaddr, yiaddr, sname, file, chaddr, hops, secs, xid), as text.</summary>
        Task<string> GetFieldAsync(DhcpLeaseKey lease, string field, CancellationToken cancel = default);

        /// <summary>
        /// Lease events, in order per lease, from when the returned task completes until the
        /// registration is disposed: subscribe before START to see its Bound. Only
        /// <paramref name="lease"/>'s events when one is named. RELEASE and DROP return once
        /// the handler has had the lease's last event (or its time limit passed).
        /// </summary>
        Task<IDisposable> SubscribeAsync(DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent, CancellationToken cancel = default);
    }
}
