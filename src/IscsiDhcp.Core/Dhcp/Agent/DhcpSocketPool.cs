using System;
using System.Collections.Generic;
using System.Net.Sockets;
using IscsiDhcp.Dhcp.Transport;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// The agent's sockets, shared and counted: one per interface, or in relay mode one per
    /// relay address and server; the last lease to leave one closes it. Opening fails with
    /// <see cref="DhcpAgentError.Permission"/> before anything is sent when binding needs privilege.
    /// </summary>
    sealed class DhcpSocketPool
    {
        readonly object gate = new();
        readonly Dictionary<string, (DhcpSocket Socket, int Users)> sockets = new(StringComparer.Ordinal);
        readonly Func<string, DhcpSocket> openInterface;

        public DhcpSocketPool(Func<string, DhcpSocket> openInterface) => this.openInterface = openInterface;

        /// <summary>A socket for the request, and the key that gives it back.</summary>
        public DhcpSocket Acquire(DhcpStartRequest request, out string key)
        {
            var interfaceName = request.InterfaceName;
            if ((request.RelayAddress is null) != (request.ServerAddress is null))
                throw new ArgumentException("relay mode needs both the relay's own address and the server's address");
            // Relay-mode clients share one socket per relay address and server, not per interface.
            key = request.RelayAddress is { } relay ? $"relay {relay} to {request.ServerAddress}" : interfaceName;
            lock (gate)
            {
                if (sockets.TryGetValue(key, out var entry))
                {
                    sockets[key] = (entry.Socket, entry.Users + 1);
                    return entry.Socket;
                }
                DhcpSocket socket;
                try { socket = request.RelayAddress is { } from ? DhcpSocket.OpenRelay(from, request.ServerAddress!) : openInterface(interfaceName); }
                catch (UnauthorizedAccessException e) { throw new DhcpAgentException(DhcpAgentError.Permission, e.Message); }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
                {
                    throw new DhcpAgentException(DhcpAgentError.Permission, $"binding UDP port 68 on {interfaceName} needs privilege (root, or CAP_NET_BIND_SERVICE and CAP_NET_RAW)");
                }
                sockets[key] = (socket, 1);
                return socket;
            }
        }

        /// <summary>One user fewer; the last closes the socket.</summary>
        public void Release(string key)
        {
            DhcpSocket? closing = null;
            lock (gate)
            {
                var entry = sockets[key];
                if (entry.Users > 1) sockets[key] = (entry.Socket, entry.Users - 1);
                else
                {
                    sockets.Remove(key);
                    closing = entry.Socket;
                }
            }
            closing?.Dispose();
        }
    }
}
