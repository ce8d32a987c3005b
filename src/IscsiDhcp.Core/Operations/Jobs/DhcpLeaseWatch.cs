using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>
    /// What a lease's supervisor job reports: every lease event as output, an expiry or a NAK
    /// as an error, and the end when the lease is dropped or released. Stopping the job drops
    /// the lease (the address stays; it is never released behind the user's back).
    /// </summary>
    public sealed class DhcpLeaseWatch : ISupervisorWatch
    {
        readonly IDhcpService service;
        readonly IJobSink sink;
        IDisposable? subscription;
        int ended;

        DhcpLeaseWatch(IDhcpService service, DhcpLeaseKey lease, IJobSink sink)
        {
            this.service = service;
            this.sink = sink;
            Lease = lease;
        }

        /// <summary>
        /// Watches a lease through the service's event subscription. A watch may begin before
        /// the lease exists (-AsJob): it sees every event from when this returns, START's included.
        /// </summary>
        public static async Task<DhcpLeaseWatch> StartAsync(IDhcpService service, DhcpLeaseKey lease, IJobSink sink, CancellationToken cancel = default)
        {
            var watch = new DhcpLeaseWatch(service, lease, sink);
            var subscription = await service.SubscribeAsync(lease, watch.OnLeaseEvent, cancel).ConfigureAwait(false);
            // An event may have ended the watch before the subscription was handed back.
            if (Interlocked.CompareExchange(ref watch.subscription, subscription, null) is not null)
                subscription.Dispose();
            return watch;
        }

        public DhcpLeaseKey Lease { get; }
        public string InterfaceName => Lease.InterfaceName;

        /// <summary>Drops the lease (DROP), unless it has already ended; forced or not, a lease is never released behind the user's back.</summary>
        public async Task StopAsync(bool force = false)
        {
            if (Volatile.Read(ref ended) != 0) return;
            try
            {
                await service.DropAsync(Lease).ConfigureAwait(false);
            }
            catch (DhcpAgentException e) when (e.Error == DhcpAgentError.UnknownInterface)
            {
                End(null);   // gone already
            }
        }

        void OnLeaseEvent(DhcpAgentEventArgs e)
        {
            sink.WriteOutput(e.Event);
            switch (e.Event.Kind)
            {
                case DhcpLeaseEventKind.Expired:
                    sink.WriteError(new OperationError(new TimeoutException($"{InterfaceName}: the lease on {e.Event.Before?.Address} expired; starting over"),
                        ErrorKind.ResourceUnavailable, "DhcpLeaseExpired", InterfaceName));
                    break;
                case DhcpLeaseEventKind.Nak:
                    sink.WriteError(new OperationError(new InvalidOperationException($"{InterfaceName}: the server refused the lease (NAK); starting over"),
                        ErrorKind.ResourceUnavailable, "DhcpLeaseRefused", InterfaceName));
                    break;
                case DhcpLeaseEventKind.Declined when e.Event.Conflict is { } inUse:
                    sink.WriteError(new OperationError(new InvalidOperationException($"{InterfaceName}: {inUse}: declined it (DHCPDECLINE); asking for another address"),
                        ErrorKind.ResourceExists, "DhcpAddressInUse", InterfaceName));
                    break;
                case DhcpLeaseEventKind.Conflict:
                    sink.WriteError(new OperationError(new InvalidOperationException($"{InterfaceName}: {e.Event.Conflict} after it was defended once; the lease was given up, starting over"),
                        ErrorKind.ResourceExists, "DhcpAddressConflict", InterfaceName));
                    break;
                case DhcpLeaseEventKind.Dropped or DhcpLeaseEventKind.Released:
                    End(null);
                    break;
            }
        }

        void End(Exception? failure)
        {
            if (Interlocked.Exchange(ref ended, 1) != 0) return;
            Unsubscribe();
            sink.Finish(failure);
        }

        void Unsubscribe() => Interlocked.Exchange(ref subscription, Ended)?.Dispose();

        /// <summary>Marks a subscription slot whose watch has ended: a subscription handed back later is disposed at once.</summary>
        static readonly IDisposable Ended = new NoSubscription();

        sealed class NoSubscription : IDisposable
        {
            public void Dispose() { }
        }

        public void Dispose() => Unsubscribe();
    }
}
