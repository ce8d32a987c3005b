using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations.Agents;

namespace IscsiDhcp.Commands
{
    [Cmdlet(VerbsLifecycle.Register, "IscsiSession", SupportsShouldProcess = true)]
    [OutputType(typeof(IscsiSessionStatus))]
    public sealed class RegisterIscsiSessionCommand : OperationCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionIdentifierCompleter))]
        public string SessionIdentifier { get; set; } = "";

        protected override void ProcessRecord() =>
            RunItem(new RegisterIscsiSessionOperation(Routes) { SessionIdentifier = SessionIdentifier }.RunAsync);
    }
}
