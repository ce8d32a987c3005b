using System;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>How a session connects and how deep it queues commands.</summary>
    public sealed record IscsiSessionOptions
    {
        public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
        public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(15);
        /// <summary>Commands in flight at most (the target's CmdSN window may allow fewer).</summary>
        public int QueueDepth { get; init; } = 32;
        /// <summary>A fixed ISID; by default one derived from the initiator and target names.</summary>
        public ulong? Isid { get; init; }
        /// <summary>0 for a new session; the TSIH of an existing one to add a connection to it.</summary>
        public ushort Tsih { get; init; }

        public void Validate()
        {
            if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "must be positive");
            if (LoginTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(LoginTimeout), LoginTimeout, "must be positive");
            if (QueueDepth < 1 || QueueDepth > 1024) throw new ArgumentOutOfRangeException(nameof(QueueDepth), QueueDepth, "must be 1 to 1024");
            if (Isid is { } isid && isid > 0xFFFF_FFFF_FFFF) throw new ArgumentOutOfRangeException(nameof(Isid), isid, "an ISID is 48 bits");
        }
    }
}
