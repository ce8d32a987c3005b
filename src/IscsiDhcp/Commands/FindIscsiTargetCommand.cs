using System;
using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Find-IscsiTarget: the targets a portal offers (SendTargets discovery).</summary>
    [Cmdlet(VerbsCommon.Find, "IscsiTarget")]
    [OutputType(typeof(IscsiTarget))]
    public sealed class FindIscsiTargetCommand : IscsiLoginCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string TargetPortalAddress { get; set; } = "";

        [Parameter]
        [ValidateRange(1, 65535)]
        public int TargetPortalPortNumber { get; set; } = 3260;

        /// <summary>Ask for this target only.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? NodeAddress { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 15;

        protected override void ProcessRecord()
        {
            var operation = new FindIscsiTargetOperation(Service)
            {
                TargetPortalAddress = TargetPortalAddress,
                TargetPortalPortNumber = TargetPortalPortNumber,
                NodeAddress = NodeAddress,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
            };
            Fill(operation.Login);
            RunItem(operation.RunAsync);
        }
    }
}
