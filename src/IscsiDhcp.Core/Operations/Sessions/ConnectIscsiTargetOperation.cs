using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Connect-IscsiTarget: log in to a target and keep the session supervised.</summary>
    public sealed class ConnectIscsiTargetOperation
    {
        static readonly TimeSpan DefaultConnectTimeout = new IscsiSessionOptions().ConnectTimeout;
        readonly IIscsiDhcpService service;

        public ConnectIscsiTargetOperation(IIscsiDhcpService service) => this.service = service;

        public string NodeAddress { get; set; } = "";
        public string TargetPortalAddress { get; set; } = "";
        public int TargetPortalPortNumber { get; set; } = TargetAddress.DefaultPort;
        public IscsiLoginParameters Login { get; } = new();
        public IscsiSupervisorOptions Supervision { get; set; } = new();
        public int QueueDepth { get; set; } = 32;
        /// <summary>How long the first login may take, every attempt included (-TimeoutSec); a later login attempt (a reconnect) gets as long.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

        /// <summary>Return the supervisor job at once, before the login has finished (-AsJob).</summary>
        public bool AsJob { get; set; }

        /// <summary>Kept by the agent and logged in whenever it starts; <see cref="RequireAgent"/> makes sure one runs first.</summary>
        public bool IsPersistent { get; set; }

        /// <summary>Finds or starts the agent (and says so) for a persistent session.</summary>
        public Func<ICommandHost, Task>? RequireAgent { get; set; }

        /// <summary>
        /// Connects: checks what the user gave, asks ShouldProcess, starts the session, and
        /// then, with -AsJob, writes its job at once (the login's outcome goes to the job);
        /// without, waits for the login and writes the session, its job made once it has
        /// logged in (a Connect that fails or is cancelled leaves no job behind, and a pipeline
        /// stopped downstream after the login still has its session's job). No job is made
        /// when <paramref name="jobs"/> is null.
        /// </summary>
        public async Task RunAsync(ICommandHost host, ISupervisorJobs? jobs = null)
        {
            if (AsJob && jobs is null) throw new InvalidOperationException("-AsJob needs somewhere to make the job");
            var session = await StartAsync(host).ConfigureAwait(false);
            if (session is null) return;
            if (AsJob)
            {
                host.WriteObject(await SuperviseAsync(session, jobs!).ConfigureAwait(false));
                return;
            }
            var loggedIn = await WaitForLoginAsync(session.SessionIdentifier, host).ConfigureAwait(false);
            if (jobs is not null) await SuperviseAsync(loggedIn, jobs).ConfigureAwait(false);
            host.WriteObject(loggedIn);
        }

        /// <summary>Checks what the user gave, asks ShouldProcess, and starts the session (which logs in in the background). Null when the user declined.</summary>
        async Task<IscsiSessionStatus?> StartAsync(ICommandHost host)
        {
            var portal = IscsiPortal.From(TargetPortalAddress, TargetPortalPortNumber);
            if (Timeout <= TimeSpan.Zero) throw new ArgumentException($"-TimeoutSec {Timeout.TotalSeconds:0.#} is not positive");
            var sessionOptions = new IscsiSessionOptions
            {
                QueueDepth = QueueDepth,
                ConnectTimeout = Timeout < DefaultConnectTimeout ? Timeout : DefaultConnectTimeout,
                LoginTimeout = Timeout,
            };
            sessionOptions.Validate();
            var supervision = Supervision with { FirstLoginTimeout = Timeout };
            supervision.Validate();
            if (IsPersistent)
            {
                if (RequireAgent is null) throw new InvalidOperationException("-IsPersistent needs the IscsiDhcp agent");
                await RequireAgent(host).ConfigureAwait(false);
            }
            var settings = Login.ToSettings(NodeAddress);
            IscsiSessionStatus? existing;
            try
            {
                // A second session of ours with the same ISID would reinstate, that is end, the first.
                existing = (await service.GetSessionsAsync(host.Cancellation).ConfigureAwait(false)).FirstOrDefault(s =>
                    string.Equals(s.TargetNodeAddress, NodeAddress, StringComparison.OrdinalIgnoreCase) && s.InitiatorNodeAddress == settings.InitiatorName);
            }
            catch
            {
                Forget(settings);
                throw;
            }
            if (existing is not null || !host.ShouldProcess($"{NodeAddress} at {portal}", "Log in and supervise the session"))
            {
                Forget(settings);
                if (existing is not null) throw new IscsiSessionExistsException(existing.TargetNodeAddress, settings.InitiatorName, existing.SessionIdentifier);
                return null;
            }
            host.WriteVerbose($"logging in to {NodeAddress} at {portal} as {settings.InitiatorName}, within {Timeout.TotalSeconds:0.#} s");
            var request = new IscsiSessionRequest(portal, settings, sessionOptions, supervision) { IsPersistent = IsPersistent };
            return await service.StartSessionAsync(request, CancellationToken.None).ConfigureAwait(false);
        }

        static void Forget(LoginSettings settings)
        {
            settings.Credential?.Dispose();
            settings.TargetCredential?.Dispose();
        }

        /// <summary>Waits for a started session's first login; Ctrl+C drops it, a failure throws.</summary>
        async Task<IscsiSessionStatus> WaitForLoginAsync(string sessionIdentifier, ICommandHost host)
        {
            try
            {
                return await service.WaitForLoginAsync(sessionIdentifier, host.Cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (host.Cancellation.IsCancellationRequested)
            {
                await service.DisconnectSessionAsync(sessionIdentifier, force: true, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>The session's job; a session that cannot have one is dropped rather than left unwatched.</summary>
        async Task<object> SuperviseAsync(IscsiSessionStatus session, ISupervisorJobs jobs)
        {
            try
            {
                return await jobs.ForSessionAsync(session, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                await service.DisconnectSessionAsync(session.SessionIdentifier, force: true, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }
}
