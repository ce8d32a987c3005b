using System;
using System.IO;
using System.Runtime.InteropServices;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// Where the agent of this host listens and keeps its state. One agent per host: its socket
    /// is /run/iscsidhcp/agent.sock unless ISCSIDHCP_AGENT_SOCKET names another (a second,
    /// private agent for tests or a container), and its state is under /var/lib/iscsidhcp.
    /// </summary>
    public static class AgentEndpoint
    {
        public const string SocketVariable = "ISCSIDHCP_AGENT_SOCKET";

        public static string DefaultSocketPath =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? @"\\.\pipe\iscsidhcp-agent" : "/run/iscsidhcp/agent.sock";

        /// <summary>The socket the cmdlets of this process talk to: ISCSIDHCP_AGENT_SOCKET, else the default.</summary>
        public static string SocketPath =>
            Environment.GetEnvironmentVariable(SocketVariable) is { Length: > 0 } path ? path : DefaultSocketPath;

        /// <summary>Where the agent on <paramref name="agentSocketPath"/> exports LUNs over NBD: nbd.sock beside it; null on Windows (no Unix socket).</summary>
        public static string? ExportSocketPathFor(string agentSocketPath) =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? null : Path.Combine(Path.GetDirectoryName(agentSocketPath) ?? "/", "nbd.sock");

        public static string DefaultStateDirectory =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "IscsiDhcp")
                : "/var/lib/iscsidhcp";
    }
}
