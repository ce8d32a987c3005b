using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Get-IscsiLun: the LUNs of sessions, with INQUIRY, VPD identifiers and capacity.</summary>
    [Cmdlet(VerbsCommon.Get, "IscsiLun", DefaultParameterSetName = ByNodeAddress)]
    [OutputType(typeof(IscsiLun))]
    public sealed class GetIscsiLunCommand : IscsiSessionCmdlet
    {
        [Parameter]
        [ValidateRange(0, 16383)]
        public int[]? Lun { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new GetIscsiLunOperation(Service) { Lun = Lun };
            Fill(operation.Selector);
            RunItem(operation.RunAsync);
        }
    }
}
