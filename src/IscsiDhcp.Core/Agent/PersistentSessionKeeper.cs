using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// Keeps the persistent sessions logged in for as long as the agent runs (open-iscsi's
    /// node.startup=automatic): each is started when the agent starts (or when registered),
    /// and started again after a back-off whenever it ends without being asked to: its
    /// supervisor gave up, the target was away, the login was refused. The back-off doubles
    /// from <see cref="AgentOptions.RetryDelay"/> up to <see cref="AgentOptions.MaxRetryDelay"/>
    /// and starts over once a session has logged in. A session a user disconnects stays
    /// down until the agent starts again; one that is unregistered is no longer kept.
    /// </summary>
    public sealed class PersistentSessionKeeper : IDisposable
    {
        readonly IIscsiDhcpService service;
        readonly AgentOptions options;
        readonly Action<string> log;
        readonly Action<string, IscsiSessionRequest> started;
        readonly CancellationTokenSource stopping = new();
        readonly Dictionary<string, Kept> kept = new(StringComparer.OrdinalIgnoreCase);

        public PersistentSessionKeeper(IIscsiDhcpService service, AgentOptions options, Action<string> log, Action<string, IscsiSessionRequest> started)
        {
            this.service = service;
            this.options = options;
            this.log = log;
            this.started = started;
        }

        static string KeyOf(IscsiSessionRequest request) => $"{request.Settings.TargetName} {request.Settings.InitiatorName}";

        /// <summary>Keeps <paramref name="request"/>'s session: watches the live one (<paramref name="liveSessionId"/>) or starts one now.</summary>
        public void Keep(IscsiSessionRequest request, string? liveSessionId)
        {
            var key = KeyOf(request);
            var entry = new Kept(request);
            lock (kept)
            {
                if (stopping.IsCancellationRequested) return;
                if (kept.TryGetValue(key, out var earlier)) earlier.Stop.Cancel();
                kept[key] = entry;
            }
            _ = KeepAsync(entry, liveSessionId);
        }

        /// <summary>No longer keeps the session of this target and initiator (it stays logged in if it is).</summary>
        public void Forget(string targetName, string initiatorName)
        {
            lock (kept)
            {
                if (kept.TryGetValue($"{targetName} {initiatorName}", out var entry))
                {
                    entry.Stop.Cancel();
                    kept.Remove($"{targetName} {initiatorName}");
                }
            }
        }

        /// <summary>A user is disconnecting this session: when it ends, it is not started again until the agent restarts.</summary>
        public void Disconnecting(string sessionIdentifier)
        {
            lock (kept)
            {
                foreach (var entry in kept.Values)
                    if (string.Equals(entry.SessionIdentifier, sessionIdentifier, StringComparison.OrdinalIgnoreCase)) entry.Stop.Cancel();
            }
        }

        async Task KeepAsync(Kept entry, string? sessionIdentifier)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, entry.Stop.Token);
            var delay = options.RetryDelay;
            var target = entry.Request.Settings.TargetName;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (sessionIdentifier is null)
                    {
                        var status = await service.StartSessionAsync(entry.Request, stop.Token).ConfigureAwait(false);
                        sessionIdentifier = status.SessionIdentifier;
                        started(sessionIdentifier, entry.Request);
                        log($"persistent session to {target}: logging in ({sessionIdentifier})");
                    }
                    entry.SessionIdentifier = sessionIdentifier;
                    var ending = new SessionEnd();
                    using (await service.WatchSessionAsync(sessionIdentifier, ending, stop.Token).ConfigureAwait(false))
                    {
                        var failure = await ending.Task.ConfigureAwait(false);
                        if (ending.LoggedIn) delay = options.RetryDelay;
                        if (stop.IsCancellationRequested) return;
                        log($"persistent session to {target} ended ({failure?.Message ?? "logged out"}); trying again in {delay.TotalSeconds:0} s");
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    log($"persistent session to {target}: {e.Message}; trying again in {delay.TotalSeconds:0} s");
                }
                sessionIdentifier = null;
                try { await Task.Delay(delay, stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
            }
        }

        public void Dispose()
        {
            lock (kept) stopping.Cancel();
        }

        sealed class Kept
        {
            public Kept(IscsiSessionRequest request) => Request = request;
            public IscsiSessionRequest Request { get; }
            public CancellationTokenSource Stop { get; } = new();
            public string? SessionIdentifier { get; set; }
        }

        /// <summary>Learns whether a session logged in, and when and how it ended.</summary>
        sealed class SessionEnd : IIscsiSessionObserver
        {
            readonly TaskCompletionSource<Exception?> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public Task<Exception?> Task => ended.Task;
            public bool LoggedIn { get; private set; }
            public void OnStateChanged(IscsiSessionStateChange change) => LoggedIn |= change.To == IscsiSessionState.LoggedIn;
            public void OnEnded(Exception? failure) => ended.TrySetResult(failure);
        }
    }
}
