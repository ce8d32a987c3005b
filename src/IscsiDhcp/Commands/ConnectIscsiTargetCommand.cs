using System;
using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>
    /// Connect-IscsiTarget: log in and keep the session supervised by a job
    /// (IscsiSession:&lt;target&gt;). Find-IscsiTarget's output pipes in by property name.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "IscsiTarget", SupportsShouldProcess = true)]
    [OutputType(typeof(IscsiSessionStatus))]
    [OutputType(typeof(SupervisorJob))]
    public sealed class ConnectIscsiTargetCommand : IscsiLoginCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DiscoveredTargetCompleter))]
        public string NodeAddress { get; set; } = "";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string TargetPortalAddress { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int TargetPortalPortNumber { get; set; } = 3260;

        /// <summary>CHAP algorithms to offer, best first (Sha256, Sha1, Md5 by default).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public ChapAlgorithm[]? ChapAlgorithm { get; set; }

        [Parameter]
        public SwitchParameter IsHeaderDigest { get; set; }

        [Parameter]
        public SwitchParameter IsDataDigest { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int NopIntervalSec { get; set; } = 5;

        [Parameter]
        [ValidateRange(1, 3600)]
        public int NopTimeoutSec { get; set; } = 5;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int ReplacementTimeoutSec { get; set; } = 120;

        [Parameter]
        [ValidateRange(1, 1024)]
        public int QueueDepth { get; set; } = 32;

        /// <summary>How long the login may take, all attempts together (a later reconnect's login gets as long).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 15;

        /// <summary>Return the supervisor job at once, before the login has finished.</summary>
        [Parameter]
        public SwitchParameter AsJob { get; set; }

        [Parameter]
        public SwitchParameter IsPersistent { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new ConnectIscsiTargetOperation(Service)
            {
                NodeAddress = NodeAddress,
                TargetPortalAddress = TargetPortalAddress,
                TargetPortalPortNumber = TargetPortalPortNumber,
                QueueDepth = QueueDepth,
                AsJob = AsJob,
                IsPersistent = IsPersistent,
                RequireAgent = host => Routes.RequireAgentAsync(host, "Connect-IscsiTarget -IsPersistent", host.Cancellation),
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                Supervision = new IscsiSupervisorOptions
                {
                    NopInterval = TimeSpan.FromSeconds(NopIntervalSec),
                    NopTimeout = TimeSpan.FromSeconds(NopTimeoutSec),
                    ReplacementTimeout = TimeSpan.FromSeconds(ReplacementTimeoutSec),
                },
            };
            Fill(operation.Login);
            operation.Login.ChapAlgorithms = ChapAlgorithm;
            operation.Login.HeaderDigest = IsHeaderDigest;
            operation.Login.DataDigest = IsDataDigest;
            RunItem(host => operation.RunAsync(host, new SupervisorJobRepository(Service, JobRepository)));
        }
    }
}
