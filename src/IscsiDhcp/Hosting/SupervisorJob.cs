using System;
using System.ComponentModel;
using System.Reflection;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// The job that watches one session (IscsiSession:&lt;target&gt;) or lease
    /// (DhcpLease:&lt;interface&gt;) for as long as it lives: state changes and lease events
    /// to its output, reconnects to its progress, failures to its error stream. Stop-Job
    /// ends what it watches (logout, or drop for a lease). Get-Job, Receive-Job and
    /// Remove-Job work as for any job; its PSJobTypeName is IscsiDhcpSupervisor.
    /// </summary>
    public sealed class SupervisorJob : Job2, IJobSink, ISupervisorJob
    {
        public const string TypeName = "IscsiDhcpSupervisor";
        volatile bool stopping;
        string status = "Starting";
        ISupervisorWatch? watch;

        SupervisorJob(string command, string name)
            : base(command, name)
        {
            PSJobTypeName = TypeName;
        }

        /// <summary>
        /// Connect-IscsiTarget's job, made in one place (ThreadJob's habit: the job owns how it
        /// starts): IscsiSession:&lt;target&gt;, running, watching the session from its first
        /// transition. Its Command names the cmdlet and the target only: never the invocation
        /// line, which may hold a secret. Not yet registered: the caller adds it to the repository.
        /// </summary>
        internal static Task<SupervisorJob> ForSessionAsync(IIscsiDhcpService service, IscsiSessionStatus session, CancellationToken cancel) =>
            WatchingAsync($"Connect-IscsiTarget {session.TargetNodeAddress}", "IscsiSession:" + session.TargetNodeAddress,
                job => IscsiSessionWatch.StartAsync(service, session, job, cancel));

        /// <summary>
        /// Start-DhcpLease's job: DhcpLease:&lt;interface&gt;, running, watching the lease from
        /// before its START (so -AsJob can return it at once, and it sees the lease's first event).
        /// With -EventAction, every event also runs that script block in a runspace of the job's.
        /// Its Command names the cmdlet and the interface only, never the line typed: that may hold
        /// anything (-HostName, variables). Not yet registered: the caller adds it to the repository.
        /// </summary>
        internal static Task<SupervisorJob> ForLeaseAsync(IDhcpService service, DhcpLeaseKey lease, ScriptBlock? eventAction, CancellationToken cancel) =>
            WatchingAsync("Start-DhcpLease " + lease.InterfaceName, "DhcpLease:" + lease.InterfaceName,
                job => DhcpLeaseWatch.StartAsync(service, lease, eventAction is null ? job : new EventActionSink(job, eventAction), cancel));

        /// <summary>A running job whose stream is what <paramref name="watch"/> reports and whose Stop-Job stops it.</summary>
        static async Task<SupervisorJob> WatchingAsync<TWatch>(string command, string name, Func<SupervisorJob, Task<TWatch>> watch)
            where TWatch : ISupervisorWatch
        {
            var job = new SupervisorJob(command, name);
            job.StartJob();   // running before the watch starts: what it watches may end at once, and the job with it
            job.watch = await watch(job).ConfigureAwait(false);
            return job;
        }

        Task StopWatched(bool force) => watch?.StopAsync(force) ?? Task.CompletedTask;

        public override string Location => Environment.MachineName;

        public override string StatusMessage => status;

        public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Progress.Count > 0 || Warning.Count > 0;

        public override void StartJob()
        {
            if (JobStateInfo.State != JobState.NotStarted) return;   // what it watches may have ended already
            status = "Running";
            SetJobState(JobState.Running);
        }

        public override void StartJobAsync()
        {
            StartJob();
            OnStartJobCompleted(new AsyncCompletedEventArgs(null, false, null));
        }

        public override void StopJob() => StopJob(false, null);

        public override void StopJob(bool force, string? reason)
        {
            if (IsFinishedState(JobStateInfo.State)) return;
            stopping = true;
            SetJobState(JobState.Stopping);
            status = reason ?? "Stopping";
            if (!StopWatched(force).Wait(TimeSpan.FromSeconds(30))) StopWatched(true).Wait(TimeSpan.FromSeconds(5));
            if (!IsFinishedState(JobStateInfo.State)) SetJobState(JobState.Stopped);
        }

        public override void StopJobAsync() => StopJobAsync(false, null);

        public override void StopJobAsync(bool force, string? reason) =>
            Task.Run(() =>
            {
                StopJob(force, reason);
                OnStopJobCompleted(new AsyncCompletedEventArgs(null, false, null));
            });

        public override void SuspendJob() => throw Unsupported();
        public override void SuspendJobAsync() => throw Unsupported();
        public override void SuspendJob(bool force, string? reason) => throw Unsupported();
        public override void SuspendJobAsync(bool force, string? reason) => throw Unsupported();
        public override void ResumeJob() => throw Unsupported();
        public override void ResumeJobAsync() => throw Unsupported();
        public override void UnblockJob() => throw Unsupported();
        public override void UnblockJobAsync() => throw Unsupported();

        static NotSupportedException Unsupported() =>
            new("a supervisor job cannot be suspended, resumed or unblocked; Stop-Job ends the session or lease it watches");

        void IJobSink.WriteOutput(object item) => Output.Add(PSObject.AsPSObject(item));

        void IJobSink.WriteProgress(OperationProgress progress)
        {
            status = progress.Status;
            Progress.Add(ProgressRecords.From(progress));
        }

        void IJobSink.WriteError(OperationError failure) => Error.Add(ErrorRecords.From(failure));

        void ISupervisorJob.WriteError(OperationError failure) => Error.Add(ErrorRecords.From(failure));

        void ISupervisorJob.Abandon(Exception failure)
        {
            watch?.Dispose();
            ((IJobSink)this).Finish(failure);
        }

        void IJobSink.Finish(Exception? failure)
        {
            if (IsFinishedState(JobStateInfo.State)) return;
            status = failure?.Message ?? "Ended";
            if (stopping) SetJobState(JobState.Stopped);
            else if (failure is null) SetJobState(JobState.Completed);
            else Fail(failure);   // the watch has written the failure to the error stream too
        }

        // Job's SetJobState(JobState, Exception), which fills JobStateInfo.Reason, is internal in every
        // PowerShell (5.1 and 7); the public overload leaves Reason empty. Looked up once.
        static readonly MethodInfo? SetJobStateWithReason = typeof(Job).GetMethod("SetJobState", BindingFlags.Instance | BindingFlags.NonPublic, null,
            new[] { typeof(JobState), typeof(Exception) }, null);

        /// <summary>Failed, with the failure as JobStateInfo.Reason.</summary>
        void Fail(Exception failure)
        {
            if (SetJobStateWithReason is null) SetJobState(JobState.Failed);
            else SetJobStateWithReason.Invoke(this, new object[] { JobState.Failed, failure });
        }

        static bool IsFinishedState(JobState state) => state is JobState.Completed or JobState.Failed or JobState.Stopped;
    }
}
