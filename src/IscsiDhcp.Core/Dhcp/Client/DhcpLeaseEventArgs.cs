using System;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>A lease event with the lease before and after it, and for Declined, Defended and Conflict the address conflict.</summary>
    public sealed class DhcpLeaseEventArgs : EventArgs
    {
        public DhcpLeaseEventArgs(DhcpLeaseEventKind kind, DateTimeOffset time, DhcpLease? before, DhcpLease? after, AddressConflict? conflict = null)
        {
            Kind = kind;
            Time = time;
            Before = before;
            After = after;
            Conflict = conflict;
        }

        public DhcpLeaseEventKind Kind { get; }
        public DateTimeOffset Time { get; }
        public DhcpLease? Before { get; }
        public DhcpLease? After { get; }
        /// <summary>Which address another host claimed, and its MAC.</summary>
        public AddressConflict? Conflict { get; }

        public override string ToString() => $"{Time:u} {Kind}: {Before?.ToString() ?? "-"} -> {After?.ToString() ?? "-"}{(Conflict is null ? "" : $" ({Conflict})")}";
    }
}
