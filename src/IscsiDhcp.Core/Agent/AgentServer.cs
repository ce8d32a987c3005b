using System;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.IO;
using System.IO.Pipes;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Common;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// The agent's socket: accepts local connections (every local user may connect; the socket
    /// is 0666), learns each caller from the kernel, and serves its requests concurrently
    /// through <see cref="AgentCommands"/>. A malformed message is answered and counted; a
    /// broken frame, a trickling or non-reading peer loses its own connection and nobody
    /// else notices.
    /// </summary>
    public sealed class AgentServer : IDisposable
    {
        public const int MaxConnections = 256;
        public const int MaxRequestsInFlight = 64;

        readonly AgentCommands commands;
        readonly PeerCredentials credentials;
        readonly LocalSocketListener listener;
        readonly ConcurrentDictionary<AgentConnection, byte> open = new();

        public AgentServer(string socketPath, AgentCommands commands, PeerCredentials credentials, AgentCounters counters)
        {
            SocketPath = socketPath;
            this.commands = commands;
            this.credentials = credentials;
            Counters = counters;
            listener = new LocalSocketListener(socketPath, ServeAsync);
        }

        public string SocketPath { get; }
        public AgentCounters Counters { get; }
        public int ConnectedClients => open.Count;

        /// <summary>Listens (a socket file already there is a dead agent's: the caller holds the agent's lock).</summary>
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
            if (open.Count >= MaxConnections)
            {
                Counters.RefusedConnection();
                pipe.Dispose();
                return;
            }
            Counters.Connection();
            var connection = new AgentConnection(pipe);
            open.TryAdd(connection, 0);
            var subscriptions = new AgentSubscriptions();
            var inFlight = new ConcurrentDictionary<long, CancellationTokenSource>();
            try
            {
                while (!connection.IsClosed)
                {
                    JsonDocument? message;
                    try
                    {
                        message = await connection.ReadAsync(listener.Stopping).ConfigureAwait(false);
                    }
                    catch (AgentProtocolException e)
                    {
                        if (connection.IsClosed) break;   // counted below, with why it closed
                        Counters.MalformedMessage();
                        connection.Send(AgentMessage.Fault(0, e));
                        continue;
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
                    {
                        break;
                    }
                    if (message is null) break;
                    Dispatch(message, caller, connection, subscriptions, inFlight);
                }
            }
            finally
            {
                connection.Close();
                open.TryRemove(connection, out _);
                foreach (var request in inFlight.Values) request.Cancel();
                subscriptions.Dispose();
                if (connection.Closed.Result is AgentProtocolException cut)
                {
                    if (cut.SlowPeer) Counters.SlowClient();
                    else Counters.MalformedMessage();
                }
            }
        }

        void Dispatch(JsonDocument message, AgentCaller caller, AgentConnection connection, AgentSubscriptions subscriptions,
            ConcurrentDictionary<long, CancellationTokenSource> inFlight)
        {
            var root = message.RootElement;
            long id = 0;
            try
            {
                if (root.TryGetProperty("cancel", out _))
                {
                    if (inFlight.TryGetValue(root.Int64("cancel"), out var cancelled)) cancelled.Cancel();
                    message.Dispose();
                    return;
                }
                string name;
                JsonElement arguments;
                try
                {
                    id = root.Int64("id");
                    name = root.String("command");
                    arguments = root.Object("args");
                }
                catch (AgentProtocolException)
                {
                    Counters.MalformedMessage();
                    throw;
                }
                Counters.Request();
                if (!commands.TryGet(name, out var command))
                {
                    Counters.UnknownCommand();
                    throw new AgentProtocolException($"unknown command '{name}'");
                }
                if (command.IsPrivileged && !caller.IsPrivileged)
                {
                    Counters.Denied();
                    throw new AgentPermissionException($"{command.Action} needs privilege: root, or a member of {commands.AdminGroupText}; the caller is {caller}. Nothing was changed.");
                }
                if (inFlight.Count >= MaxRequestsInFlight)
                    throw new InvalidOperationException($"a connection may have {MaxRequestsInFlight} requests in flight at once");
                var cancel = CancellationTokenSource.CreateLinkedTokenSource(listener.Stopping);
                if (!inFlight.TryAdd(id, cancel))
                {
                    cancel.Dispose();
                    throw new AgentProtocolException($"request id {id} is already in flight on this connection");
                }
                _ = RunAsync(command, new AgentCall(id, name, arguments, caller, connection, subscriptions, cancel.Token), message, cancel, inFlight);
            }
            catch (Exception e)
            {
                Counters.Fault();
                connection.Send(AgentMessage.Fault(id, e));
                message.Dispose();
            }
        }

        async Task RunAsync(AgentCommand command, AgentCall call, JsonDocument message, CancellationTokenSource cancel,
            ConcurrentDictionary<long, CancellationTokenSource> inFlight)
        {
            try
            {
                var result = await command.Handler(call).ConfigureAwait(false);
                call.Connection.Send(AgentMessage.Result(call.Id, result));
            }
            catch (Exception e)
            {
                if (e is AgentProtocolException) Counters.MalformedMessage();
                Counters.Fault();
                call.Connection.Send(AgentMessage.Fault(call.Id, e));
            }
            finally
            {
                inFlight.TryRemove(call.Id, out _);
                cancel.Dispose();
                message.Dispose();
            }
        }

        /// <summary>Stops listening and closes every connection (their subscriptions end with them).</summary>
        public void Dispose()
        {
            if (listener.Stopping.IsCancellationRequested) return;
            listener.Dispose();
            foreach (var connection in open.Keys) connection.Close();
        }
    }
}
