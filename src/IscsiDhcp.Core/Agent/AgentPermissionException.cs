using System;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// A state change asked of the agent by a caller without the privilege for it (not root,
    /// not in the agent's group). Nothing was changed.
    /// </summary>
    public sealed class AgentPermissionException : UnauthorizedAccessException
    {
        public AgentPermissionException(string message) : base(message) { }
    }
}
