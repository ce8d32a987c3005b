using System.IO;
using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Open-IscsiLun: a seekable System.IO.Stream over one LUN, for any API that takes a stream.</summary>
    [Cmdlet(VerbsCommon.Open, "IscsiLun", DefaultParameterSetName = ByNodeAddress)]
    [OutputType(typeof(Stream))]
    public sealed class OpenIscsiLunCommand : IscsiSessionCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(0, 16383)]
        public int Lun { get; set; }

        [Parameter]
        public IscsiLunAccess Access { get; set; } = IscsiLunAccess.Read;

        protected override void ProcessRecord()
        {
            var operation = new OpenIscsiLunOperation(Service) { Lun = Lun, Access = Access };
            Fill(operation.Selector);
            RunItem(operation.RunAsync);
        }
    }
}
