using System.Threading;

namespace IscsiDhcp.Agent
{
    /// <summary>What the agent has seen on its socket since it started: served, refused and rejected.</summary>
    public sealed class AgentCounters
    {
        long connections, refusedConnections, requests, faults, permissionDenied, malformed, unknownCommands, slowClients;

        public long Connections => Volatile.Read(ref connections);
        /// <summary>Connections turned away because too many were open.</summary>
        public long RefusedConnections => Volatile.Read(ref refusedConnections);
        public long Requests => Volatile.Read(ref requests);
        /// <summary>Requests answered with a failure (permission refusals and malformed requests among them).</summary>
        public long Faults => Volatile.Read(ref faults);
        public long PermissionDenied => Volatile.Read(ref permissionDenied);
        /// <summary>Messages rejected as malformed: a bad frame, not JSON, a missing or wrong field.</summary>
        public long Malformed => Volatile.Read(ref malformed);
        public long UnknownCommands => Volatile.Read(ref unknownCommands);
        /// <summary>Connections cut off because the peer did not read its replies, or trickled a message.</summary>
        public long SlowClients => Volatile.Read(ref slowClients);

        internal void Connection() => Interlocked.Increment(ref connections);
        internal void RefusedConnection() => Interlocked.Increment(ref refusedConnections);
        internal void Request() => Interlocked.Increment(ref requests);
        internal void Fault() => Interlocked.Increment(ref faults);
        internal void Denied() => Interlocked.Increment(ref permissionDenied);
        internal void MalformedMessage() => Interlocked.Increment(ref malformed);
        internal void UnknownCommand() => Interlocked.Increment(ref unknownCommands);
        internal void SlowClient() => Interlocked.Increment(ref slowClients);
    }
}
