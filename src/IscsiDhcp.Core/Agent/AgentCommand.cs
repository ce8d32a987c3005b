using System;
using System.Text.Json;
using System.Threading.Tasks;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// One row of the agent's command table (libdhcpagent's ipc_cmd_allowed): whether the
    /// command changes state (and so needs privilege), what it does in words (for the refusal),
    /// and its handler, which returns how to write its result (null: no result).
    /// </summary>
    public sealed class AgentCommand
    {
        internal AgentCommand(bool isPrivileged, string action, Func<AgentCall, Task<Action<Utf8JsonWriter, string>?>> handler)
        {
            IsPrivileged = isPrivileged;
            Action = action;
            Handler = handler;
        }

        public bool IsPrivileged { get; }

        /// <summary>What the command does, as the refusal names it ("starting a lease").</summary>
        public string Action { get; }

        internal Func<AgentCall, Task<Action<Utf8JsonWriter, string>?>> Handler { get; }
    }
}
