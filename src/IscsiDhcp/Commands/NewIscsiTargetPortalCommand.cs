using System;
using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Agents;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>New-IscsiTargetPortal: the agent keeps a portal and how to log in there (root-only, secrets included).</summary>
    [Cmdlet(VerbsCommon.New, "IscsiTargetPortal", SupportsShouldProcess = true)]
    [OutputType(typeof(IscsiTargetPortal))]
    public sealed class NewIscsiTargetPortalCommand : IscsiLoginCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string TargetPortalAddress { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int TargetPortalPortNumber { get; set; } = 3260;

        [Parameter]
        public SwitchParameter IsHeaderDigest { get; set; }

        [Parameter]
        public SwitchParameter IsDataDigest { get; set; }

        /// <summary>How long the discovery that checks the portal may take.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 15;

        protected override void ProcessRecord()
        {
            var operation = new NewIscsiTargetPortalOperation(Routes)
            {
                TargetPortalAddress = TargetPortalAddress,
                TargetPortalPortNumber = TargetPortalPortNumber,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
            };
            Fill(operation.Login);
            operation.Login.HeaderDigest = IsHeaderDigest;
            operation.Login.DataDigest = IsDataDigest;
            RunItem(operation.RunAsync);
        }
    }
}
