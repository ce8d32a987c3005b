using System;
using System.Threading;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>
    /// What a lease's supervisor job reports: every lease event as output, an expiry or a NAK
    /// as an error, and the end when the lease is dropped or released. Stopping the job drops
    /// the lease (the address stays; it is never released behind the user's back).
    /// </summary>
    public sealed class DhcpLeaseWatch : IDisposable
    {
        readonly DhcpAgent agent;
        readonly IJobSink sink;
        int ended;

        // clientId: as DhcpLeaseStatus.ClientId shows it. A watch may begin before the lease exists (-AsJob).
        public DhcpLeaseWatch(DhcpAgent agent, string interfaceName, string clientId, IJobSink sink)
        {
            this.agent = agent;
            this.sink = sink;
            InterfaceName = interfaceName;
            ClientId = clientId;
            agent.LeaseEvent += OnLeaseEvent;
        }

        public string InterfaceName { get; }
        public string ClientId { get; }

        /// <summary>Drops the lease (DROP), unless it has already ended.</summary>
        public void Stop()
        {
            if (Volatile.Read(ref ended) != 0) return;
            try
            {
                agent.Drop(InterfaceName, DhcpClientIdentity.ParseClientId(ClientId));
            }
            catch (DhcpAgentException e) when (e.Error == DhcpAgentError.UnknownInterface)
            {
                End(null);   // gone already
            }
        }

        void OnLeaseEvent(object? sender, DhcpAgentEventArgs e)
        {
            if (e.InterfaceName != InterfaceName || e.ClientId != ClientId) return;
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
                case DhcpLeaseEventKind.Dropped or DhcpLeaseEventKind.Released:
                    End(null);
                    break;
            }
        }

        void End(Exception? failure)
        {
            if (Interlocked.Exchange(ref ended, 1) != 0) return;
            agent.LeaseEvent -= OnLeaseEvent;
            sink.Finish(failure);
        }

        public void Dispose() => agent.LeaseEvent -= OnLeaseEvent;
    }
}
