using System;
using System.Threading.Tasks;
using IscsiDhcp.Block;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Open-IscsiLun: a seekable System.IO.Stream over one LUN of a session.</summary>
    public sealed class OpenIscsiLunOperation
    {
        readonly IIscsiDhcpService service;

        public OpenIscsiLunOperation(IIscsiDhcpService service) => this.service = service;

        public IscsiSessionSelector Selector { get; } = new();
        public int Lun { get; set; }
        public IscsiLunAccess Access { get; set; } = IscsiLunAccess.Read;

        public async Task RunAsync(ICommandHost host)
        {
            var session = await Selector.SelectOneAsync(service, host).ConfigureAwait(false);
            if (session is null) return;
            var writable = Access == IscsiLunAccess.ReadWrite;
            var device = await service.OpenBlockDeviceAsync(session.SessionIdentifier, Lun, writable, host.Cancellation).ConfigureAwait(false);
            var stream = new LunStream(device, writable);
            host.WriteVerbose($"{session.TargetNodeAddress} LUN {Lun}: {stream.Length} bytes in {stream.BlockSize}-byte blocks, {Access}");
            host.WriteObject(stream);
        }
    }
}
