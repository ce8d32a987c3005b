using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Block;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// The seam the cmdlets use: the agent of this host when one answers, this process
    /// otherwise. New sessions and leases go to the agent when it runs (so they outlive the
    /// shell); a persistent one needs it and never falls back. Lists show both places, and a
    /// session or lease is reached where it lives: the shell's own first, then the agent's.
    /// </summary>
    public sealed class RoutedService : IIscsiDhcpService, IDisposable
    {
        /// <summary>How long a freshly spawned agent may take to answer (pwsh and the module start first).</summary>
        public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

        readonly Func<string, int>? launch;
        readonly SemaphoreSlim connecting = new(1, 1);
        AgentClient? agent;

        /// <param name="local">This process's sessions and leases.</param>
        /// <param name="launch">Starts a detached agent for a socket path and returns its process id (the module spawns pwsh); null: never start one.</param>
        public RoutedService(InProcessService local, Func<string, int>? launch)
        {
            Local = local;
            this.launch = launch;
            Leases = new RoutedDhcpService(this);
        }

        public InProcessService Local { get; }
        public IDhcpService Leases { get; }

        /// <summary>The agent of this host (ISCSIDHCP_AGENT_SOCKET or the default socket), or null when none answers.</summary>
        public async Task<AgentClient?> FindAgentAsync(CancellationToken cancel)
        {
            var current = Volatile.Read(ref agent);
            if (current is { IsConnected: true } && current.SocketPath == AgentEndpoint.SocketPath) return current;
            await connecting.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                if (agent is { IsConnected: true } && agent.SocketPath == AgentEndpoint.SocketPath) return agent;
                agent?.Dispose();
                agent = await AgentClient.TryConnectAsync(AgentEndpoint.SocketPath, TimeSpan.FromSeconds(2), cancel).ConfigureAwait(false);
                return agent;
            }
            finally
            {
                connecting.Release();
            }
        }

        /// <summary>
        /// The agent, started when none answers (dhcpagent's clients: ping, else spawn, then
        /// poll), saying so through <paramref name="host"/>; fails when it cannot be started.
        /// </summary>
        public async Task<AgentClient> RequireAgentAsync(ICommandHost host, string why, CancellationToken cancel)
        {
            if (await FindAgentAsync(cancel).ConfigureAwait(false) is { } running) return running;
            var path = AgentEndpoint.SocketPath;
            if (launch is null) throw new AgentUnavailableException($"{why} needs the IscsiDhcp agent, and none runs on {path}: start it with Start-IscsiDhcpAgent (or the iscsidhcp-agent service)");
            var pid = launch(path);
            host.WriteWarning($"{why} needs the IscsiDhcp agent: started one (pid {pid}, {path}); it leaves again after a while with nothing to manage");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < StartTimeout)
            {
                await Task.Delay(200, cancel).ConfigureAwait(false);
                if (await FindAgentAsync(cancel).ConfigureAwait(false) is { } started) return started;
            }
            throw new AgentUnavailableException($"started the IscsiDhcp agent (pid {pid}) but it did not answer on {path} within {StartTimeout.TotalSeconds:0} s; see the system log (journalctl -t iscsidhcp-agent)");
        }

        /// <summary>Where a session lives: the shell when it holds it, else the agent when one runs, else the shell (which says it is not found).</summary>
        async Task<IIscsiDhcpService> WhereAsync(string sessionIdentifier, CancellationToken cancel) =>
            Local.Holds(sessionIdentifier) ? Local : (IIscsiDhcpService?)await FindAgentAsync(cancel).ConfigureAwait(false) ?? Local;

        /// <summary>Discovery holds nothing: it runs in this process.</summary>
        public Task<IReadOnlyList<IscsiTarget>> DiscoverAsync(TargetAddress portal, LoginSettings settings, string? nodeAddress, TimeSpan timeout, CancellationToken cancel) =>
            Local.DiscoverAsync(portal, settings, nodeAddress, timeout, cancel);

        public async Task<IscsiSessionStatus> StartSessionAsync(IscsiSessionRequest request, CancellationToken cancel)
        {
            var running = await FindAgentAsync(cancel).ConfigureAwait(false);
            if (running is null && request.IsPersistent)
                throw new AgentUnavailableException("a persistent session needs the IscsiDhcp agent, and none runs: it would end with this shell");
            return running is not null ? await running.StartSessionAsync(request, cancel).ConfigureAwait(false) : await Local.StartSessionAsync(request, cancel).ConfigureAwait(false);
        }

        public async Task<IReadOnlyList<IscsiSessionStatus>> GetSessionsAsync(CancellationToken cancel)
        {
            var own = await Local.GetSessionsAsync(cancel).ConfigureAwait(false);
            if (await FindAgentAsync(cancel).ConfigureAwait(false) is not { } running) return own;
            return own.Concat(await running.GetSessionsAsync(cancel).ConfigureAwait(false)).ToList();
        }

        public async Task<IscsiSessionStatus> WaitForLoginAsync(string sessionIdentifier, CancellationToken cancel) =>
            await (await WhereAsync(sessionIdentifier, cancel).ConfigureAwait(false)).WaitForLoginAsync(sessionIdentifier, cancel).ConfigureAwait(false);

        public async Task<IDisposable> WatchSessionAsync(string sessionIdentifier, IIscsiSessionObserver observer, CancellationToken cancel) =>
            await (await WhereAsync(sessionIdentifier, cancel).ConfigureAwait(false)).WatchSessionAsync(sessionIdentifier, observer, cancel).ConfigureAwait(false);

        public async Task DisconnectSessionAsync(string sessionIdentifier, bool force, CancellationToken cancel) =>
            await (await WhereAsync(sessionIdentifier, cancel).ConfigureAwait(false)).DisconnectSessionAsync(sessionIdentifier, force, cancel).ConfigureAwait(false);

        /// <summary>Closes the connection to the agent (what it holds stays there).</summary>
        public void Dispose()
        {
            agent?.Dispose();
            connecting.Dispose();
        }

        public async Task<IScsiTransport> OpenTransportAsync(string sessionIdentifier, CancellationToken cancel) =>
            await (await WhereAsync(sessionIdentifier, cancel).ConfigureAwait(false)).OpenTransportAsync(sessionIdentifier, cancel).ConfigureAwait(false);

        public async Task<IBlockDevice> OpenBlockDeviceAsync(string sessionIdentifier, int lun, bool writable, CancellationToken cancel) =>
            await (await WhereAsync(sessionIdentifier, cancel).ConfigureAwait(false)).OpenBlockDeviceAsync(sessionIdentifier, lun, writable, cancel).ConfigureAwait(false);
    }
}
