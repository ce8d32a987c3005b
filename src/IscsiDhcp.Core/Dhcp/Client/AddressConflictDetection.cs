using System;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>RFC 5227 section 1.1's constants for probing, announcing and defending an address.</summary>
    public static class AddressConflictDetection
    {
        /// <summary>The first probe waits a random time up to this.</summary>
        public static readonly TimeSpan ProbeWait = TimeSpan.FromSeconds(1);
        public const int ProbeCount = 3;
        /// <summary>Probes are this far apart at least, <see cref="ProbeMax"/> at most (random between).</summary>
        public static readonly TimeSpan ProbeMin = TimeSpan.FromSeconds(1);
        public static readonly TimeSpan ProbeMax = TimeSpan.FromSeconds(2);
        /// <summary>After the last probe, no conflict for this long: the address is ours.</summary>
        public static readonly TimeSpan AnnounceWait = TimeSpan.FromSeconds(2);
        public const int AnnounceCount = 2;
        public static readonly TimeSpan AnnounceInterval = TimeSpan.FromSeconds(2);
        /// <summary>After this many conflicts in a row, at most one new address per <see cref="RateLimitInterval"/>.</summary>
        public const int MaxConflicts = 10;
        public static readonly TimeSpan RateLimitInterval = TimeSpan.FromSeconds(60);
        /// <summary>A held address is defended once per this; a second conflict within it gives the address up.</summary>
        public static readonly TimeSpan DefendInterval = TimeSpan.FromSeconds(10);
    }
}
