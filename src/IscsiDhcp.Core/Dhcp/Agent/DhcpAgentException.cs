using System;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>A command the agent refused or could not finish, with the precise reason.</summary>
    public sealed class DhcpAgentException : Exception
    {
        public DhcpAgentException(DhcpAgentError error, string message) : base(message)
        {
            Error = error;
        }

        public DhcpAgentError Error { get; }
    }
}
