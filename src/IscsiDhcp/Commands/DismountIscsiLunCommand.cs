using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Dismount-IscsiLun: detaches the NBD devices Mount-IscsiLun attached; the session and its export stay.</summary>
    [Cmdlet(VerbsData.Dismount, "IscsiLun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class DismountIscsiLunCommand : OperationCmdlet
    {
        /// <summary>The block devices, e.g. /dev/nbd0 (Mount-IscsiLun's Device).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Device { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecord() => RunItem(new DismountIscsiLunOperation { Device = Device }.RunAsync);
    }
}
