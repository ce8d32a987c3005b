using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Agents;

namespace IscsiDhcp.Commands
{
    /// <summary>Remove-IscsiTargetPortal: the agent forgets a portal and its secrets; Get-IscsiTargetPortal's output pipes in.</summary>
    [Cmdlet(VerbsCommon.Remove, "IscsiTargetPortal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class RemoveIscsiTargetPortalCommand : OperationCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string TargetPortalAddress { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int TargetPortalPortNumber { get; set; } = 3260;

        protected override void ProcessRecord() =>
            RunItem(new RemoveIscsiTargetPortalOperation(Routes) { TargetPortalAddress = TargetPortalAddress, TargetPortalPortNumber = TargetPortalPortNumber }.RunAsync);
    }
}
