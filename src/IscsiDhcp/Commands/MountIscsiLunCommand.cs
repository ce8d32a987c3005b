using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Mount-IscsiLun: a LUN of an agent-held session as a block device of this host (the kernel's NBD driver), or the export's URI where there is none.</summary>
    [Cmdlet(VerbsData.Mount, "IscsiLun", DefaultParameterSetName = ByNodeAddress, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(IscsiLunMount))]
    public sealed class MountIscsiLunCommand : IscsiSessionCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(0, 16383)]
        public int Lun { get; set; }

        /// <summary>Attach the LUN read-only (a write-protected LUN is always read-only).</summary>
        [Parameter]
        public SwitchParameter ReadOnly { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new MountIscsiLunOperation(Service) { Lun = Lun, ReadOnly = ReadOnly };
            Fill(operation.Selector);
            RunItem(operation.RunAsync);
        }
    }
}
