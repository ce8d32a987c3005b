using System.Collections.Generic;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// Which command each lease state permits: dhcpagent's <c>ipc_cmd_allowed</c>, written
    /// once here. START is allowed on a fresh interface and while a lease is being obtained
    /// (it restarts); EXTEND, RELEASE and GET_OPTION need a lease; INFORM needs a fresh
    /// interface or one with an INFORM done or in progress; PING, STATUS and DROP always.
    /// </summary>
    public static class DhcpCommandTable
    {
        //                                          Drop  Extend Ping  Release Start  Status Inform GetOption
        static readonly Dictionary<DhcpClientState, bool[]> Allowed = new()
        {
            [DhcpClientState.Stopped] = new[] { true, false, true, false, true, true, true, false },
            [DhcpClientState.Init] = new[] { true, false, true, false, true, true, true, false },
            [DhcpClientState.Selecting] = new[] { true, false, true, false, true, true, false, false },
            [DhcpClientState.Requesting] = new[] { true, false, true, false, true, true, false, false },
            [DhcpClientState.Probing] = new[] { true, false, true, false, true, true, false, false },
            [DhcpClientState.Bound] = new[] { true, true, true, true, false, true, false, true },
            [DhcpClientState.Renewing] = new[] { true, true, true, true, false, true, false, true },
            [DhcpClientState.Rebinding] = new[] { true, true, true, true, false, true, false, true },
            [DhcpClientState.Information] = new[] { true, false, true, false, false, true, true, true },
            [DhcpClientState.InitReboot] = new[] { true, false, true, false, true, true, false, false },
            [DhcpClientState.Informing] = new[] { true, false, true, false, false, true, true, false },
            [DhcpClientState.Declining] = new[] { true, false, true, false, true, true, false, false },
            [DhcpClientState.Releasing] = new[] { true, false, true, false, false, true, false, false },
        };

        public static bool IsAllowed(DhcpClientState state, DhcpCommand command) => Allowed[state][(int)command];
    }
}
