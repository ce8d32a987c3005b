using System;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>A lease event with the lease before and after it.</summary>
    public sealed class DhcpLeaseEventArgs : EventArgs
    {
        public DhcpLeaseEventArgs(DhcpLeaseEventKind kind, DateTimeOffset time, DhcpLease? before, DhcpLease? after)
        {
            Kind = kind;
            Time = time;
            Before = before;
            After = after;
        }

        public DhcpLeaseEventKind Kind { get; }
        public DateTimeOffset Time { get; }
        public DhcpLease? Before { get; }
        public DhcpLease? After { get; }

        public override string ToString() => $"{Time:u} {Kind}: {Before?.ToString() ?? "-"} -> {After?.ToString() ?? "-"}";
    }
}
