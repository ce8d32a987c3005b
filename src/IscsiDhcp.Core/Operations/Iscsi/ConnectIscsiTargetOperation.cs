using System;
using System.Linq;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Operations.Iscsi
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

        /// <summary>
        /// Checks what the user gave, asks ShouldProcess, and starts the supervisor (which logs
        /// in in the background): what -AsJob needs. Null when the user declined.
        /// </summary>
        public IscsiSessionSupervisor? Start(ICommandHost host)
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
            var settings = Login.ToSettings(NodeAddress);
            // A second session of ours with the same ISID would reinstate, that is end, the first.
            var existing = service.Sessions.FirstOrDefault(s =>
                string.Equals(s.TargetName, NodeAddress, StringComparison.OrdinalIgnoreCase) && s.InitiatorName == settings.InitiatorName);
            if (existing is not null || !host.ShouldProcess($"{NodeAddress} at {portal}", "Log in and supervise the session"))
            {
                settings.Credential?.Dispose();
                settings.TargetCredential?.Dispose();
                if (existing is not null) throw new IscsiSessionExistsException(existing.TargetName, settings.InitiatorName, existing.SessionIdentifier);
                return null;
            }
            host.WriteVerbose($"logging in to {NodeAddress} at {portal} as {settings.InitiatorName}, within {Timeout.TotalSeconds:0.#} s");
            return service.StartSession(portal, settings, sessionOptions, supervision);
        }

        /// <summary>Starts the supervisor and waits for the login; writes the session, or throws why it could not log in.</summary>
        public async Task RunAsync(ICommandHost host)
        {
            var supervisor = Start(host);
            if (supervisor is not null) await WaitForLoginAsync(supervisor, host).ConfigureAwait(false);
        }

        /// <summary>Waits for a started supervisor's first login and writes the session; Ctrl+C drops it, a failure throws.</summary>
        public static async Task WaitForLoginAsync(IscsiSessionSupervisor supervisor, ICommandHost host)
        {
            try
            {
                await supervisor.WhenLoggedInAsync(host.Cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (host.Cancellation.IsCancellationRequested)
            {
                await supervisor.DisconnectAsync(force: true).ConfigureAwait(false);
                throw;
            }
            host.WriteObject(supervisor.GetStatus());
        }
    }
}
