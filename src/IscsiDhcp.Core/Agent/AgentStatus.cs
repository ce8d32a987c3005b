using System;

namespace IscsiDhcp.Agent
{
    /// <summary>The agent as Get-IscsiDhcpAgent shows it: who, where, since when, what it holds, what it has seen.</summary>
    public sealed class AgentStatus
    {
        public int ProcessId { get; internal set; }
        public string Endpoint { get; internal set; } = "";
        public string Version { get; internal set; } = "";
        public DateTimeOffset StartTime { get; internal set; }
        public TimeSpan Uptime { get; internal set; }
        /// <summary>Started on demand (it leaves after <see cref="IdleTimeout"/> with nothing to manage) or by a service manager (never idle-exits).</summary>
        public TimeSpan? IdleTimeout { get; internal set; }
        public string? AdminGroup { get; internal set; }
        public string StateDirectory { get; internal set; } = "";
        public int Sessions { get; internal set; }
        public int PersistentSessions { get; internal set; }
        public int TargetPortals { get; internal set; }
        public int Leases { get; internal set; }
        public int ConnectedClients { get; internal set; }
        public long Requests { get; internal set; }
        public long Faults { get; internal set; }
        public long PermissionDenied { get; internal set; }
        public long Malformed { get; internal set; }
        public long UnknownCommands { get; internal set; }
        public long SlowClients { get; internal set; }
        public long RefusedConnections { get; internal set; }
        /// <summary>The NBD socket the LUNs of the agent's sessions are exported on (null where the agent exports none).</summary>
        public string? ExportEndpoint { get; internal set; }
        /// <summary>NBD connections open now.</summary>
        public long ExportClients { get; internal set; }
        public long ExportConnections { get; internal set; }
        /// <summary>Exports an unprivileged peer tried to open (NBD_REP_ERR_POLICY).</summary>
        public long ExportRefusedByPolicy { get; internal set; }
        public long ExportRequests { get; internal set; }
        /// <summary>NBD requests whose I/O failed (the client got the error).</summary>
        public long ExportFailedRequests { get; internal set; }
        /// <summary>NBD connections dropped for breaking the protocol.</summary>
        public long ExportProtocolViolations { get; internal set; }
        public long ExportBytesRead { get; internal set; }
        public long ExportBytesWritten { get; internal set; }
    }
}
