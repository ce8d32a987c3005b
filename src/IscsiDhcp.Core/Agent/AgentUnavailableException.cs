using System;

namespace IscsiDhcp.Agent
{
    /// <summary>The agent could not be reached, or went away in the middle of a request.</summary>
    public sealed class AgentUnavailableException : Exception
    {
        public AgentUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
