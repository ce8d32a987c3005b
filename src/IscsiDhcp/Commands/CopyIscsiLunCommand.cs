using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Copy-IscsiLun: a LUN (or a range of it) to a file, or a file into a LUN, with progress and -Verify.</summary>
    [Cmdlet(VerbsCommon.Copy, "IscsiLun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByNodeAddress)]
    [OutputType(typeof(IscsiCopyResult))]
    public sealed class CopyIscsiLunCommand : IscsiSessionCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(0, 16383)]
        public int Lun { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        [Parameter(Mandatory = true)]
        public IscsiCopyDirection Direction { get; set; }

        /// <summary>Where in the LUN the range starts, in bytes.</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long Offset { get; set; }

        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long? Length { get; set; }

        [Parameter]
        public SwitchParameter Verify { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new CopyIscsiLunOperation(Service)
            {
                Lun = Lun,
                // Relative paths are the PowerShell location's, not the process's.
                Path = GetUnresolvedProviderPathFromPSPath(Path),
                Direction = Direction,
                Offset = Offset,
                Length = Length,
                Verify = Verify,
                PassThru = PassThru,
            };
            Fill(operation.Selector);
            RunItem(operation.RunAsync);
        }
    }
}
