using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Agents;

namespace IscsiDhcp.Commands
{
    [Cmdlet(VerbsLifecycle.Unregister, "IscsiSession", SupportsShouldProcess = true, DefaultParameterSetName = "BySession")]
    [OutputType(typeof(void))]
    public sealed class UnregisterIscsiSessionCommand : OperationCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "BySession")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionIdentifierCompleter))]
        public string? SessionIdentifier { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ByTarget")]
        [ValidateNotNullOrEmpty]
        public string? NodeAddress { get; set; }

        [Parameter(ParameterSetName = "ByTarget")]
        [ValidateNotNullOrEmpty]
        public string? InitiatorName { get; set; }

        protected override void ProcessRecord() =>
            RunItem(new UnregisterIscsiSessionOperation(Routes) { SessionIdentifier = SessionIdentifier, NodeAddress = NodeAddress, InitiatorName = InitiatorName }.RunAsync);
    }
}
