using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Nbd.Luns;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// The agent: the same engines as the in-process service (an <see cref="InProcessService"/>
    /// of its own, with its lease store under the state directory), served on a local socket
    /// with a privilege check per connection, and kept across restarts: persistent sessions
    /// are logged in when it starts and retried while it runs, and the leases it managed are
    /// taken up again (INIT-REBOOT from the lease store). One agent per socket: the lock file
    /// is held (flock) for its whole life. Stopping (SIGTERM, Stop-IscsiDhcpAgent, idle) logs
    /// every session out and drops every lease, which stays configured and stored.
    /// </summary>
    public sealed class IscsiDhcpAgent : IDisposable
    {
        readonly TaskCompletionSource<bool> stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly ConcurrentDictionary<string, IscsiSessionRequest> requests = new(StringComparer.OrdinalIgnoreCase);
        readonly Action<string> log;
        readonly DhcpAgent dhcp;
        FileStream? lockFile;
        AgentServer? server;
        AgentExportServer? exports;
        int stopped;

        public IscsiDhcpAgent(AgentOptions options, Action<string>? log = null)
        {
            options.Validate();
            Options = options;
            this.log = log ?? (_ => { });
            dhcp = new DhcpAgent(new DhcpLeaseStore(options.LeaseDirectory, this.log));
            Service = new InProcessService(dhcp);
            Store = new AgentStore(options.StorePath, this.log);
            Keeper = new PersistentSessionKeeper(Service, options, this.log, (id, request) => requests[id] = request);
            Commands = new AgentCommands(this);
        }

        public AgentOptions Options { get; }
        public AgentCounters Counters { get; } = new();
        public AgentCommands Commands { get; }
        public DateTimeOffset StartTime { get; private set; }
        public int ProcessId { get; } = Process.GetCurrentProcess().Id;

        internal InProcessService Service { get; }
        internal AgentStore Store { get; }
        internal PersistentSessionKeeper Keeper { get; }

        /// <summary>Completes once the agent has stopped (every session logged out, every lease dropped).</summary>
        public Task Stopped => stopped == 0 ? stopRequested.Task : Task.CompletedTask;

        /// <summary>
        /// Takes the lock, listens, takes up the stored sessions and leases. Throws
        /// <see cref="InvalidOperationException"/> when another agent holds the lock.
        /// </summary>
        public void Start()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Options.LockPath)!);
            try
            {
                lockFile = new FileStream(Options.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e)
            {
                throw new InvalidOperationException($"another IscsiDhcp agent is running for {Options.SocketPath} (it holds {Options.LockPath})", e);
            }
            lockFile.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            lockFile.Write(pid, 0, pid.Length);
            lockFile.Flush();
            StartTime = DateTimeOffset.Now;
            server = new AgentServer(Options.SocketPath, Commands, new PeerCredentials(Options.AdminGroup), Counters);
            server.Start();
            log($"agent {ProcessId} listening on {Options.SocketPath}");
            if (Options.ExportSocketPath is { } exportPath)
            {
                exports = new AgentExportServer(exportPath, new IscsiLunExportCatalog(Service), new PeerCredentials(Options.AdminGroup));
                exports.Start();
                log($"agent {ProcessId} exporting LUNs over NBD on {exportPath}");
            }
            foreach (var session in Store.Sessions) Keeper.Keep(session, liveSessionId: null);
            foreach (var lease in Store.Leases) _ = TakeUpAsync(lease);
        }

        /// <summary>Runs until stopped: by <paramref name="cancel"/>, <see cref="Stop"/>, or idleness when <see cref="AgentOptions.IdleTimeout"/> is set.</summary>
        public async Task RunAsync(CancellationToken cancel)
        {
            if (server is null) Start();
            using (cancel.Register(Stop))
            {
                var idleSince = (DateTimeOffset?)null;
                while (!stopRequested.Task.IsCompleted)
                {
                    await Task.WhenAny(stopRequested.Task, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
                    if (Options.IdleTimeout is not { } idle) continue;
                    if (!IsIdle()) idleSince = null;
                    else if ((idleSince ??= DateTimeOffset.UtcNow) + idle <= DateTimeOffset.UtcNow)
                    {
                        log($"agent {ProcessId}: nothing to manage for {idle.TotalSeconds:0} s; leaving");
                        Stop();
                    }
                }
            }
            await ShutdownAsync().ConfigureAwait(false);
        }

        /// <summary>Nothing to manage: no session, no lease, nothing persistent to keep trying.</summary>
        bool IsIdle() =>
            Store.Sessions.Count == 0 && Service.GetSessionsAsync(CancellationToken.None).Result.Count == 0 && dhcp.StatusAll().Count == 0;

        public void Stop() => stopRequested.TrySetResult(true);

        /// <summary>Stops serving, logs every session out, drops every lease (kept configured and stored, and in the store for the next start).</summary>
        public async Task ShutdownAsync()
        {
            if (Interlocked.Exchange(ref stopped, 1) != 0) return;
            Stop();
            log($"agent {ProcessId}: stopping; logging sessions out, keeping leases");
            Keeper.Dispose();
            server?.Dispose();
            exports?.Dispose();   // before the logouts: clients get NBD_ESHUTDOWN, not an I/O error
            await Service.ShutdownAsync(Options.LogoutTimeout).ConfigureAwait(false);
            dhcp.Dispose();
            lockFile?.Dispose();
            log($"agent {ProcessId}: stopped");
        }

        public AgentStatus GetStatus() => new()
        {
            ProcessId = ProcessId,
            Endpoint = Options.SocketPath,
            Version = typeof(IscsiDhcpAgent).Assembly.GetName().Version?.ToString(3) ?? "",
            StartTime = StartTime,
            Uptime = DateTimeOffset.Now - StartTime,
            IdleTimeout = Options.IdleTimeout,
            AdminGroup = Options.AdminGroup,
            StateDirectory = Options.StateDirectory,
            Sessions = Service.GetSessionsAsync(CancellationToken.None).Result.Count,
            PersistentSessions = Store.Sessions.Count,
            TargetPortals = Store.Portals.Count,
            Leases = dhcp.StatusAll().Count,
            ConnectedClients = server?.ConnectedClients ?? 0,
            Requests = Counters.Requests,
            Faults = Counters.Faults,
            PermissionDenied = Counters.PermissionDenied,
            Malformed = Counters.Malformed,
            UnknownCommands = Counters.UnknownCommands,
            SlowClients = Counters.SlowClients,
            RefusedConnections = Counters.RefusedConnections,
            ExportEndpoint = exports?.SocketPath,
            ExportClients = exports?.Counters.ActiveConnections ?? 0,
            ExportConnections = exports?.Counters.Connections ?? 0,
            ExportRefusedByPolicy = exports?.Counters.RefusedByPolicy ?? 0,
            ExportRequests = exports?.Counters.Requests ?? 0,
            ExportFailedRequests = exports?.Counters.FailedRequests ?? 0,
            ExportProtocolViolations = exports?.Counters.ProtocolViolations ?? 0,
            ExportBytesRead = exports?.Counters.BytesRead ?? 0,
            ExportBytesWritten = exports?.Counters.BytesWritten ?? 0,
        };

        internal async Task<IscsiSessionStatus> StartSessionAsync(IscsiSessionRequest request, CancellationToken cancel)
        {
            var status = await Service.StartSessionAsync(request, cancel).ConfigureAwait(false);
            requests[status.SessionIdentifier] = request;
            if (request.IsPersistent)
            {
                Store.SaveSession(request);
                Keeper.Keep(request, status.SessionIdentifier);
            }
            return status;
        }

        /// <summary>Makes a live session persistent: stored with its request (CHAP secrets too, root-only) and kept.</summary>
        internal IscsiSessionStatus Register(string sessionIdentifier)
        {
            var status = Service.GetSessionsAsync(CancellationToken.None).Result
                .FirstOrDefault(s => string.Equals(s.SessionIdentifier, sessionIdentifier, StringComparison.OrdinalIgnoreCase))
                ?? throw new IscsiSessionNotFoundException(sessionIdentifier);
            if (!requests.TryGetValue(status.SessionIdentifier, out var request)) throw new IscsiSessionNotFoundException(sessionIdentifier);
            request = request with { IsPersistent = true };
            Store.SaveSession(request);
            Keeper.Keep(request, status.SessionIdentifier);
            MarkPersistence(status);
            return status;
        }

        internal bool Unregister(string targetName, string initiatorName)
        {
            Keeper.Forget(targetName, initiatorName);
            return Store.RemoveSession(targetName, initiatorName);
        }

        internal void MarkPersistence(IscsiSessionStatus status) =>
            status.IsPersistent = Store.IsPersistent(status.TargetNodeAddress, status.InitiatorNodeAddress);

        /// <summary>Starts a lease and keeps its request, so the agent takes it up again after a restart.</summary>
        internal async Task<DhcpLeaseStatus> StartLeaseAsync(DhcpStartRequest request, TimeSpan? wait, CancellationToken cancel)
        {
            try
            {
                var status = await Service.Leases.StartAsync(request, wait, cancel).ConfigureAwait(false);
                Store.SaveLease(request);
                return status;
            }
            catch (DhcpAgentException e) when (e.Error == DhcpAgentError.Timeout)
            {
                Store.SaveLease(request);   // the attempt goes on after the caller's wait
                throw;
            }
        }

        /// <summary>A lease of the last run, taken up again: INIT-REBOOT from the stored lease when there is one.</summary>
        async Task TakeUpAsync(DhcpStartRequest lease)
        {
            try
            {
                var status = await Service.Leases.StartAsync(lease, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                log($"lease on {status.InterfaceName}: taken up ({status.State})");
            }
            catch (DhcpAgentException e) when (e.Error == DhcpAgentError.Timeout)
            {
                log($"lease on {lease.InterfaceName}: taken up, waiting for the server");
            }
            catch (Exception e)
            {
                log($"lease on {lease.InterfaceName}: cannot take it up ({e.Message})");
            }
        }

        public void Dispose() => ShutdownAsync().GetAwaiter().GetResult();
    }
}
