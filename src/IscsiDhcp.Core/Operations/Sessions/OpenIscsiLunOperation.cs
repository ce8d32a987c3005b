using System;
using System.Threading.Tasks;
using IscsiDhcp.Scsi;

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
            var stream = await IscsiBlockLun.OpenStreamAsync(service, session, Lun, Access == IscsiLunAccess.ReadWrite, host.Cancellation).ConfigureAwait(false);
            host.WriteVerbose($"{session.TargetNodeAddress} LUN {Lun}: {stream.Length} bytes in {stream.BlockSize}-byte blocks, {Access}");
            host.WriteObject(stream);
        }
    }
}
