using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipes;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Block;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Nbd;
using IscsiDhcp.Nbd.Luns;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// The service seam served by the agent: one connection, requests with ids answered in
    /// any order, and subscriptions whose events come on the same connection. Failures come
    /// back as the types the in-process path throws (or with the same kind and error id).
    /// </summary>
    public sealed class AgentClient : IIscsiDhcpService, IDisposable
    {
        readonly AgentConnection connection;
        readonly ConcurrentDictionary<long, TaskCompletionSource<JsonDocument>> pending = new();
        readonly ConcurrentDictionary<long, Action<string, JsonElement>> subscribers = new();
        long nextId;

        AgentClient(string socketPath, Stream stream)
        {
            SocketPath = socketPath;
            connection = new AgentConnection(stream);
            Leases = new AgentDhcpService(this);
            _ = ReadLoopAsync();
        }

        public string SocketPath { get; }
        public IDhcpService Leases { get; }
        public bool IsConnected => !connection.IsClosed;

        /// <summary>Connects to the agent at <paramref name="socketPath"/>, or returns null when none listens there.</summary>
        public static async Task<AgentClient?> TryConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancel = default)
        {
            // No socket, no agent: asking would only wait out the timeout.
            if (!File.Exists(socketPath)) return null;
            var pipe = new NamedPipeClientStream(".", socketPath, PipeDirection.InOut, PipeOptions.Asynchronous);
            try
            {
                await pipe.ConnectAsync((int)timeout.TotalMilliseconds, cancel).ConfigureAwait(false);
                return new AgentClient(socketPath, pipe);
            }
            catch (Exception e) when (e is TimeoutException or IOException or UnauthorizedAccessException)
            {
                pipe.Dispose();
                return null;
            }
        }

        public static async Task<AgentClient> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancel = default) =>
            await TryConnectAsync(socketPath, timeout, cancel).ConfigureAwait(false)
            ?? throw new AgentUnavailableException($"no IscsiDhcp agent answers on {socketPath}; start one with Start-IscsiDhcpAgent");

        /// <summary>Sends a command and reads its result (or throws its failure).</summary>
        internal Task<T> CallAsync<T>(string command, Action<Utf8JsonWriter>? arguments, Func<JsonElement, T> readResult, CancellationToken cancel) =>
            CallAsync(Interlocked.Increment(ref nextId), command, arguments, readResult, null, cancel);

        /// <summary>
        /// Subscribes: <paramref name="onEvent"/> gets the subscription's events (in order, on the
        /// connection's reader: it returns quickly), then "closed" if the connection ends first.
        /// </summary>
        internal async Task<IDisposable> SubscribeAsync(string command, Action<Utf8JsonWriter>? arguments, Action<string, JsonElement> onEvent, CancellationToken cancel)
        {
            var id = Interlocked.Increment(ref nextId);
            await CallAsync<object?>(id, command, arguments, _ => null, onEvent, cancel).ConfigureAwait(false);
            return new Unsubscriber(this, id);
        }

        async Task<T> CallAsync<T>(long id, string command, Action<Utf8JsonWriter>? arguments, Func<JsonElement, T> readResult,
            Action<string, JsonElement>? onEvent, CancellationToken cancel)
        {
            var reply = new TaskCompletionSource<JsonDocument>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[id] = reply;
            if (onEvent is not null) subscribers[id] = onEvent;
            if (!connection.Send(AgentMessage.Request(id, command, arguments)))
            {
                pending.TryRemove(id, out _);
                subscribers.TryRemove(id, out _);
                throw Gone(await connection.Closed.ConfigureAwait(false));
            }
            JsonDocument document;
            using (cancel.Register(() =>
            {
                if (reply.TrySetCanceled(cancel)) connection.Send(AgentMessage.Cancel(id));
            }))
            {
                document = await reply.Task.ConfigureAwait(false);
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.TryGetProperty("fault", out var fault))
                {
                    subscribers.TryRemove(id, out _);
                    throw FaultJson.Read(fault);
                }
                return readResult(root.GetProperty("result"));
            }
        }

        internal Task CallAsync(string command, Action<Utf8JsonWriter>? arguments, CancellationToken cancel) =>
            CallAsync<object?>(command, arguments, _ => null, cancel);

        async Task ReadLoopAsync()
        {
            Exception? failure = null;
            try
            {
                while (true)
                {
                    var document = await connection.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                    if (document is null) break;
                    var root = document.RootElement;
                    if (root.TryGetProperty("subscription", out var sub) && sub.TryGetInt64(out var subscription))
                    {
                        using (document)
                        {
                            if (subscribers.TryGetValue(subscription, out var onEvent))
                                onEvent(root.String("event"), root.TryGetProperty("data", out var data) ? data : default);
                        }
                    }
                    else if (root.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var id) && pending.TryRemove(id, out var reply))
                    {
                        if (!reply.TrySetResult(document)) document.Dispose();
                    }
                    else
                    {
                        document.Dispose();   // a fault about a message of ours the agent could not read, or a reply nobody waits for
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                connection.Close(failure);
                var gone = Gone(failure);
                foreach (var id in pending.Keys.ToList())
                    if (pending.TryRemove(id, out var reply)) reply.TrySetException(gone);
                foreach (var id in subscribers.Keys.ToList())
                    if (subscribers.TryRemove(id, out var onEvent)) onEvent("closed", default);
            }
        }

        AgentUnavailableException Gone(Exception? why) =>
            new($"the IscsiDhcp agent on {SocketPath} closed the connection{(why is null ? "" : ": " + why.Message)}", why);

        // ---- sessions ----

        /// <summary>Discovery holds nothing, so it runs in this process: the agent is not needed for it.</summary>
        public Task<IReadOnlyList<IscsiTarget>> DiscoverAsync(TargetAddress portal, LoginSettings settings, string? nodeAddress, TimeSpan timeout, CancellationToken cancel) =>
            InProcessService.Shared.DiscoverAsync(portal, settings, nodeAddress, timeout, cancel);

        public Task<IscsiSessionStatus> StartSessionAsync(IscsiSessionRequest request, CancellationToken cancel) =>
            CallAsync(AgentCommands.SessionStart, w => SessionJson.WriteRequest(w, "request", request), SessionJson.ReadStatus, cancel);

        public Task<IReadOnlyList<IscsiSessionStatus>> GetSessionsAsync(CancellationToken cancel) =>
            CallAsync<IReadOnlyList<IscsiSessionStatus>>(AgentCommands.SessionList, null, r => r.EnumerateArray().Select(SessionJson.ReadStatus).ToList(), cancel);

        public Task<IscsiSessionStatus> WaitForLoginAsync(string sessionIdentifier, CancellationToken cancel) =>
            CallAsync(AgentCommands.SessionWaitForLogin, w => w.WriteString("session", sessionIdentifier), SessionJson.ReadStatus, cancel);

        public async Task<IDisposable> WatchSessionAsync(string sessionIdentifier, IIscsiSessionObserver observer, CancellationToken cancel)
        {
            if (observer is null) throw new ArgumentNullException(nameof(observer));
            var order = new object();
            var ended = false;
            void OnEvent(string kind, JsonElement data)
            {
                lock (order)
                {
                    if (ended) return;
                    switch (kind)
                    {
                        case "transition":
                            observer.OnStateChanged(SessionJson.ReadChange(data));
                            break;
                        case "ended":
                            ended = true;
                            observer.OnEnded(data.OptionalObject("failure") is { } failure ? FaultJson.Read(failure) : null);
                            break;
                        case "closed":
                            ended = true;
                            observer.OnEnded(new AgentUnavailableException($"lost the IscsiDhcp agent on {SocketPath}; the session may still be there"));
                            break;
                    }
                }
            }
            return await SubscribeAsync(AgentCommands.SessionWatch, w => w.WriteString("session", sessionIdentifier), OnEvent, cancel).ConfigureAwait(false);
        }

        public Task DisconnectSessionAsync(string sessionIdentifier, bool force, CancellationToken cancel) =>
            CallAsync(AgentCommands.SessionDisconnect, w => { w.WriteString("session", sessionIdentifier); w.WriteBoolean("force", force); }, cancel);

        /// <summary>Commands that describe a LUN, run by the agent (Get-IscsiLun); a LUN's data goes through <see cref="OpenBlockDeviceAsync"/>.</summary>
        public Task<IScsiTransport> OpenTransportAsync(string sessionIdentifier, CancellationToken cancel) =>
            Task.FromResult<IScsiTransport>(new AgentInspectionTransport(this, sessionIdentifier));

        /// <summary>The LUN through the agent's NBD export (nbd.sock beside the agent's socket), as any NBD client reaches it.</summary>
        public async Task<IBlockDevice> OpenBlockDeviceAsync(string sessionIdentifier, int lun, bool writable, CancellationToken cancel)
        {
            var session = (await GetSessionsAsync(cancel).ConfigureAwait(false)).FirstOrDefault(s => s.SessionIdentifier == sessionIdentifier)
                ?? throw new IscsiSessionNotFoundException(sessionIdentifier);
            var socket = AgentEndpoint.ExportSocketPathFor(SocketPath)
                ?? throw new PlatformNotSupportedException("the agent's NBD export needs a Unix socket; on Windows the LUNs of agent-held sessions cannot be read from a shell yet");
            var exportName = IscsiLunExportCatalog.ExportName(session.TargetNodeAddress, lun);
            var pipe = new NamedPipeClientStream(".", socket, PipeDirection.InOut, PipeOptions.Asynchronous);
            NbdClient client;
            try
            {
                await pipe.ConnectAsync((int)ExportConnectTimeout.TotalMilliseconds, cancel).ConfigureAwait(false);
                client = await NbdClient.ConnectAsync(pipe, exportName, cancel).ConfigureAwait(false);
            }
            catch (NbdOptionRefusedException e) when (e.Reply == NbdOptionReplyType.ErrorUnknown)
            {
                // The export does not say why there is none; the LUN's description does (not there, or not a block device).
                await IscsiBlockLun.CheckAsync(new AgentInspectionTransport(this, sessionIdentifier), session.TargetNodeAddress, lun, cancel).ConfigureAwait(false);
                throw new IscsiLunNotFoundException(session.TargetNodeAddress, lun, e);
            }
            catch (NbdOptionRefusedException e) when (e.Reply == NbdOptionReplyType.ErrorPolicy)
            {
                throw new AgentPermissionException($"reading or writing LUN {lun} of {session.TargetNodeAddress} through the agent needs privilege (root or the agent's group)");
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                pipe.Dispose();
                throw new AgentUnavailableException($"the IscsiDhcp agent's NBD export on {socket} did not answer: {e.Message}");
            }
            catch
            {
                pipe.Dispose();   // cancelled while connecting
                throw;
            }
            if (writable && client.IsReadOnly)
            {
                client.Dispose();
                throw new UnauthorizedAccessException($"LUN {lun} of {session.TargetNodeAddress} is write-protected: the agent exports it read-only");
            }
            return client;
        }

        static readonly TimeSpan ExportConnectTimeout = TimeSpan.FromSeconds(5);

        // ---- the agent itself ----

        public Task<int> PingAsync(CancellationToken cancel = default) => CallAsync(AgentCommands.Ping, null, r => r.GetInt32(), cancel);

        public Task<AgentStatus> GetStatusAsync(CancellationToken cancel = default) => CallAsync(AgentCommands.Status, null, AgentJson.ReadStatus, cancel);

        public Task StopAgentAsync(CancellationToken cancel = default) => CallAsync(AgentCommands.Stop, null, cancel);

        public Task<IscsiSessionStatus> RegisterSessionAsync(string sessionIdentifier, CancellationToken cancel = default) =>
            CallAsync(AgentCommands.SessionRegister, w => w.WriteString("session", sessionIdentifier), SessionJson.ReadStatus, cancel);

        public Task<bool> UnregisterSessionAsync(string targetName, string initiatorName, CancellationToken cancel = default) =>
            CallAsync(AgentCommands.SessionUnregister, w => { w.WriteString("target", targetName); w.WriteString("initiator", initiatorName); }, r => r.GetBoolean(), cancel);

        /// <summary>Stores a portal in the agent once a discovery there within <paramref name="timeout"/> has worked.</summary>
        public Task<IscsiTargetPortal> AddPortalAsync(IscsiSessionRequest discovery, TimeSpan timeout, CancellationToken cancel = default) =>
            CallAsync(AgentCommands.PortalAdd, w =>
            {
                SessionJson.WriteRequest(w, "request", discovery);
                w.WriteTimeSpan("timeout", timeout);
            }, AgentJson.ReadPortal, cancel);

        public Task<IReadOnlyList<IscsiTargetPortal>> GetPortalsAsync(CancellationToken cancel = default) =>
            CallAsync<IReadOnlyList<IscsiTargetPortal>>(AgentCommands.PortalList, null, r => r.EnumerateArray().Select(AgentJson.ReadPortal).ToList(), cancel);

        public Task<bool> RemovePortalAsync(string host, int port, CancellationToken cancel = default) =>
            CallAsync(AgentCommands.PortalRemove, w => { w.WriteString("host", host); w.WriteNumber("port", port); }, r => r.GetBoolean(), cancel);

        public void Dispose() => connection.Close();

        sealed class Unsubscriber : IDisposable
        {
            readonly AgentClient client;
            readonly long id;
            int disposed;

            public Unsubscriber(AgentClient client, long id)
            {
                this.client = client;
                this.id = id;
            }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref disposed, 1) != 0) return;
                if (client.subscribers.TryRemove(id, out _) && client.IsConnected)
                    _ = client.CallAsync(AgentCommands.Unsubscribe, w => w.WriteNumber("subscription", id), CancellationToken.None)
                        .ContinueWith(t => GC.KeepAlive(t.Exception), TaskScheduler.Default);   // the agent may be gone: nothing to undo then
            }
        }
    }
}
