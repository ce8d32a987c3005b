using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Get-IscsiSession: the supervised sessions with their live state and counters.</summary>
    [Cmdlet(VerbsCommon.Get, "IscsiSession", DefaultParameterSetName = ByNodeAddress)]
    [OutputType(typeof(IscsiSessionStatus))]
    public sealed class GetIscsiSessionCommand : OperationCmdlet
    {
        const string ByNodeAddress = "ByNodeAddress";
        const string BySessionIdentifier = "BySessionIdentifier";

        [Parameter(Position = 0, ParameterSetName = ByNodeAddress)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TargetNameCompleter))]
        public string[]? NodeAddress { get; set; }

        [Parameter(ParameterSetName = ByNodeAddress)]
        [ValidateNotNullOrEmpty]
        public string? TargetPortalAddress { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = BySessionIdentifier, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionIdentifierCompleter))]
        public string[]? SessionIdentifier { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new GetIscsiSessionOperation(Service);
            operation.Selector.NodeAddress = NodeAddress;
            operation.Selector.TargetPortalAddress = TargetPortalAddress;
            operation.Selector.SessionIdentifier = SessionIdentifier;
            RunItem(operation.RunAsync);
        }
    }
}
