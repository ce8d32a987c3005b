using System;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>A message that breaks the agent's protocol (framing, JSON, an unknown command, a missing field): rejected and counted.</summary>
    public sealed class AgentProtocolException : Exception
    {
        public AgentProtocolException(string message, Exception? inner = null, bool slowPeer = false) : base(message, inner) => SlowPeer = slowPeer;

        /// <summary>The peer was too slow (trickled a message, or stopped reading), rather than wrong.</summary>
        public bool SlowPeer { get; }
    }
}
