using System;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.IO.Pipes;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Nbd;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// The agent's NBD socket: the LUNs of the sessions it holds, for nbd-client, qemu, libnbd's
    /// tools, nbdfuse and the module's own Open-, Copy- and Measure-IscsiLun. Every local user
    /// may connect and list the exports; opening one (data access) needs the same privilege as
    /// changing state through the agent, decided per connection from the peer's credentials.
    /// A privileged peer gets each export read-write unless the LUN is write-protected.
    /// </summary>
    public sealed class AgentExportServer : IDisposable
    {
        /// <summary>Connections at once; more are closed at once and counted.</summary>
        public const int MaxConnections = 256;
        static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

        readonly NbdServer server;
        readonly PeerCredentials credentials;
        readonly LocalSocketListener listener;
        readonly ConcurrentDictionary<Task, byte> serving = new();
        long refusedConnections;

        public AgentExportServer(string socketPath, INbdExportCatalog catalog, PeerCredentials credentials, NbdServerOptions? options = null)
        {
            server = new NbdServer(catalog, options);
            this.credentials = credentials;
            listener = new LocalSocketListener(socketPath, ServeAsync);
        }

        public string SocketPath => listener.SocketPath;
        public NbdServerCounters Counters => server.Counters;
        /// <summary>Connections closed at once because <see cref="MaxConnections"/> were open.</summary>
        public long RefusedConnections => Interlocked.Read(ref refusedConnections);

        public void Start() => listener.Start();

        async Task ServeAsync(NamedPipeServerStream pipe)
        {
            AgentCaller caller;
            try { caller = credentials.Of(pipe.SafePipeHandle); }
            catch (Win32Exception)
            {
                pipe.Dispose();   // gone before it could be asked who it is
                return;
            }
            if (Counters.ActiveConnections >= MaxConnections || listener.Stopping.IsCancellationRequested)
            {
                Interlocked.Increment(ref refusedConnections);
                pipe.Dispose();
                return;
            }
            var access = caller.IsPrivileged ? NbdAccess.ReadWrite : NbdAccess.ListOnly;
            var served = server.ServeAsync(pipe, access, listener.Stopping);
            serving.TryAdd(served, 0);
            try
            {
                await served.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // NbdServer answers what clients send; what is left is a connection already gone.
            }
            finally
            {
                serving.TryRemove(served, out _);
            }
        }

        /// <summary>
        /// Stops accepting, ends every connection (requests in flight end with NBD_ESHUTDOWN, sent
        /// before the socket closes) and waits for them, so the sessions can be logged out after.
        /// </summary>
        public void Dispose()
        {
            listener.Dispose();
            try { Task.WhenAll(serving.Keys).Wait(DrainTimeout); }
            catch (AggregateException) { }
        }
    }
}
