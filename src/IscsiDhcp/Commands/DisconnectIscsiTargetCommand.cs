using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Disconnect-IscsiTarget: log sessions out (or drop them with -Force); their supervisor jobs end.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "IscsiTarget", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByNodeAddress)]
    [OutputType(typeof(void))]
    public sealed class DisconnectIscsiTargetCommand : IscsiSessionCmdlet
    {
        /// <summary>Drop the connection at once: no logout, no waiting for commands in flight.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new DisconnectIscsiTargetOperation(Service) { Force = Force };
            Fill(operation.Selector);
            RunItem(operation.RunAsync);
        }
    }
}
