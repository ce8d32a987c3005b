using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Agents;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Get-IscsiTargetPortal: the portals the agent keeps (never their secrets).</summary>
    [Cmdlet(VerbsCommon.Get, "IscsiTargetPortal")]
    [OutputType(typeof(IscsiTargetPortal))]
    public sealed class GetIscsiTargetPortalCommand : OperationCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? TargetPortalAddress { get; set; }

        protected override void ProcessRecord() =>
            RunItem(new GetIscsiTargetPortalOperation(Routes) { TargetPortalAddress = TargetPortalAddress }.RunAsync);
    }
}
