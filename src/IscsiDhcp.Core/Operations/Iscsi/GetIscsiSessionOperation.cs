using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Iscsi
{
    /// <summary>Get-IscsiSession: the supervised sessions, each as it is now.</summary>
    public sealed class GetIscsiSessionOperation
    {
        readonly IIscsiDhcpService service;

        public GetIscsiSessionOperation(IIscsiDhcpService service) => this.service = service;

        public IscsiSessionSelector Selector { get; } = new();

        public Task RunAsync(ICommandHost host)
        {
            foreach (var session in Selector.Select(service, host)) host.WriteObject(session.GetStatus());
            return Task.CompletedTask;
        }
    }
}
