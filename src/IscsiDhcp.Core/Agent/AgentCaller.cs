using System.Collections.Generic;
using System.Globalization;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// Who is on the other end of one connection, from the kernel (SO_PEERCRED), not from
    /// anything the caller says, and whether that caller may change state.
    /// </summary>
    public sealed class AgentCaller
    {
        public AgentCaller(int processId, uint userId, uint groupId, IReadOnlyCollection<uint> groups, bool isPrivileged)
        {
            ProcessId = processId;
            UserId = userId;
            GroupId = groupId;
            Groups = groups;
            IsPrivileged = isPrivileged;
        }

        public int ProcessId { get; }
        public uint UserId { get; }
        public uint GroupId { get; }

        /// <summary>The caller's supplementary groups, as the kernel had them when it connected.</summary>
        public IReadOnlyCollection<uint> Groups { get; }

        /// <summary>Root, or a member of the agent's administrators' group: may start, end and change sessions and leases.</summary>
        public bool IsPrivileged { get; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "uid {0} (pid {1})", UserId, ProcessId);
    }
}
