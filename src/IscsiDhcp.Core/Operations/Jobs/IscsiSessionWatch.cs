using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>
    /// What a session's supervisor job reports: every state change as output, a reconnect as
    /// progress, the failure behind a reconnect as an error, and the end. Stopping the job
    /// logs the session out. It knows the session by identifier only, through the service.
    /// </summary>
    public sealed class IscsiSessionWatch : ISupervisorWatch, IIscsiSessionObserver
    {
        readonly IIscsiDhcpService service;
        readonly IJobSink sink;
        IDisposable? subscription;
        // The service calls one at a time; these only change there.
        bool loggedInOnce;
        int ended;

        IscsiSessionWatch(IIscsiDhcpService service, string sessionIdentifier, IJobSink sink)
        {
            this.service = service;
            this.sink = sink;
            SessionIdentifier = sessionIdentifier;
        }

        /// <summary>Watches <paramref name="session"/> from its first transition (those before now are replayed) until it ends.</summary>
        public static async Task<IscsiSessionWatch> StartAsync(IIscsiDhcpService service, IscsiSessionStatus session, IJobSink sink, CancellationToken cancel = default)
        {
            var watch = new IscsiSessionWatch(service, session.SessionIdentifier, sink);
            watch.subscription = await service.WatchSessionAsync(session.SessionIdentifier, watch, cancel).ConfigureAwait(false);
            return watch;
        }

        public string SessionIdentifier { get; }

        /// <summary>Logs the session out (or drops it when forced); the watch ends with it.</summary>
        public async Task StopAsync(bool force)
        {
            if (Volatile.Read(ref ended) != 0) return;
            try
            {
                await service.DisconnectSessionAsync(SessionIdentifier, force, CancellationToken.None).ConfigureAwait(false);
            }
            catch (IscsiSessionNotFoundException)
            {
                // Ended and forgotten meanwhile: its end has been (or is being) reported.
            }
        }

        void IIscsiSessionObserver.OnStateChanged(IscsiSessionStateChange change)
        {
            sink.WriteOutput(change);
            var activity = $"Reconnecting to {change.TargetName}";
            // After the first login, every way back to Free, XptWait or InLogin is a reconnect's.
            var reconnecting = loggedInOnce;
            if (change.To == IscsiSessionState.LoggedIn) loggedInOnce = true;
            if (change.From == IscsiSessionState.LoggedIn && change.To == IscsiSessionState.Free)
            {
                if (change.Error is { } error) sink.WriteError(ErrorCatalog.Classify(error, SessionIdentifier));
                sink.WriteProgress(new OperationProgress(ActivityId, activity, change.Reason));
            }
            else if (change.To is IscsiSessionState.Free or IscsiSessionState.XptWait or IscsiSessionState.InLogin && reconnecting)
            {
                sink.WriteProgress(new OperationProgress(ActivityId, activity, $"{change.To}: {change.Reason}"));
            }
            else if (change.To == IscsiSessionState.LoggedIn && reconnecting)
            {
                sink.WriteProgress(new OperationProgress(ActivityId, activity, change.Reason, 100, 0, completed: true));
            }
        }

        void IIscsiSessionObserver.OnEnded(Exception? failure)
        {
            if (Interlocked.Exchange(ref ended, 1) != 0) return;
            if (failure is not null) sink.WriteError(ErrorCatalog.Classify(failure, SessionIdentifier));
            sink.Finish(failure);
        }

        /// <summary>One progress bar per session.</summary>
        int ActivityId => (SessionIdentifier.GetHashCode() & 0x7FFF_FFFF) % 1_000_000 + 1000;

        public void Dispose() => subscription?.Dispose();
    }
}
