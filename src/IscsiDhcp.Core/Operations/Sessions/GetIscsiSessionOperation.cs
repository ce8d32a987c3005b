using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Get-IscsiSession: the supervised sessions, each as it is now.</summary>
    public sealed class GetIscsiSessionOperation
    {
        readonly IIscsiDhcpService service;

        public GetIscsiSessionOperation(IIscsiDhcpService service) => this.service = service;

        public IscsiSessionSelector Selector { get; } = new();

        public async Task RunAsync(ICommandHost host)
        {
            foreach (var session in await Selector.SelectAsync(service, host).ConfigureAwait(false)) host.WriteObject(session);
        }
    }
}
