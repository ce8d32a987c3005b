using System.Linq;
using System.Management.Automation;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// A cmdlet that works on sessions: named by target (wildcards), by session identifier
    /// (bound by property name, so LUN objects pipe in too), or piped in as IscsiSessionStatus objects.
    /// </summary>
    public abstract class IscsiSessionCmdlet : OperationCmdlet
    {
        protected const string ByNodeAddress = "ByNodeAddress";
        protected const string BySessionIdentifier = "BySessionIdentifier";
        protected const string BySession = "BySession";

        [Parameter(ParameterSetName = ByNodeAddress)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TargetNameCompleter))]
        public string[]? NodeAddress { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = BySessionIdentifier, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionIdentifierCompleter))]
        public string[]? SessionIdentifier { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = BySession, ValueFromPipeline = true)]
        [ValidateNotNull]
        public IscsiSessionStatus[]? InputObject { get; set; }

        protected void Fill(IscsiSessionSelector selector)
        {
            selector.NodeAddress = NodeAddress;
            selector.SessionIdentifier = InputObject is { Length: > 0 } ? InputObject.Select(s => s.SessionIdentifier).ToArray() : SessionIdentifier;
        }
    }
}
