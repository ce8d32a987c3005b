using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Supervisor;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>
    /// What a session's supervisor job reports: every state change as output, a reconnect as
    /// progress, the failure behind a reconnect as an error, and the end. Stopping the job
    /// logs the session out.
    /// </summary>
    public sealed class IscsiSessionWatch : IDisposable
    {
        readonly IscsiSessionSupervisor supervisor;
        readonly IJobSink sink;
        // Held while the transitions before the watch began are replayed, so later ones wait their turn.
        readonly object order = new();
        int ended;

        public IscsiSessionWatch(IscsiSessionSupervisor supervisor, IJobSink sink)
        {
            this.supervisor = supervisor;
            this.sink = sink;
            lock (order)
            {
                foreach (var earlier in supervisor.Watch(OnStateChanged)) Report(earlier);
            }
            _ = supervisor.Completion.ContinueWith(_ => End(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public IscsiSessionSupervisor Supervisor => supervisor;

        /// <summary>Logs the session out (or drops it when forced); the watch ends with it.</summary>
        public Task StopAsync(bool force) => supervisor.DisconnectAsync(force);

        void OnStateChanged(object? sender, IscsiSessionStateChange change)
        {
            lock (order) Report(change);
        }

        void Report(IscsiSessionStateChange change)
        {
            sink.WriteOutput(change);
            var activity = $"Reconnecting to {change.TargetName}";
            if (change.From == IscsiSessionState.LoggedIn && change.To == IscsiSessionState.Free)
            {
                if (change.Error is { } error) sink.WriteError(ErrorCatalog.Classify(error, supervisor.SessionIdentifier));
                sink.WriteProgress(new OperationProgress(ActivityId, activity, change.Reason));
            }
            else if (change.To is IscsiSessionState.Free or IscsiSessionState.XptWait or IscsiSessionState.InLogin && supervisor.GetStatus().ReconnectCount > 0)
            {
                sink.WriteProgress(new OperationProgress(ActivityId, activity, $"{change.To}: {change.Reason}"));
            }
            else if (change.To == IscsiSessionState.LoggedIn && supervisor.GetStatus().ReconnectCount > 0)
            {
                sink.WriteProgress(new OperationProgress(ActivityId, activity, change.Reason, 100, 0, completed: true));
            }
        }

        /// <summary>One progress bar per session.</summary>
        int ActivityId => (supervisor.SessionIdentifier.GetHashCode() & 0x7FFF_FFFF) % 1_000_000 + 1000;

        void End()
        {
            if (Interlocked.Exchange(ref ended, 1) != 0) return;
            supervisor.StateChanged -= OnStateChanged;
            if (supervisor.Failure is { } failure) sink.WriteError(ErrorCatalog.Classify(failure, supervisor.SessionIdentifier));
            sink.Finish(supervisor.Failure);
        }

        public void Dispose() => supervisor.StateChanged -= OnStateChanged;
    }
}
