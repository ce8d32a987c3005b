using System;
using System.Linq;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Common;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Nbd;
using IscsiDhcp.Nbd.Luns;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Get-IscsiLun: the LUNs of sessions (REPORT LUNS), each described by INQUIRY, VPD and capacity.</summary>
    public sealed class GetIscsiLunOperation
    {
        readonly IIscsiDhcpService service;

        public GetIscsiLunOperation(IIscsiDhcpService service) => this.service = service;

        public IscsiSessionSelector Selector { get; } = new();
        /// <summary>Only these LUN numbers (all when empty).</summary>
        public int[]? Lun { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            foreach (var session in await Selector.SelectAsync(service, host).ConfigureAwait(false))
            {
                try
                {
                    var transport = await service.OpenTransportAsync(session.SessionIdentifier, host.Cancellation).ConfigureAwait(false);
                    var numbers = await ScsiDevice.ReportLunsAsync(transport, host.Cancellation).ConfigureAwait(false);
                    // A LUN asked for by number that the target does not report is an error, not silence.
                    foreach (var missing in (Lun ?? Array.Empty<int>()).Distinct().Where(n => !numbers.Contains(n)))
                        host.WriteError(ErrorCatalog.Classify(new IscsiLunNotFoundException(session.TargetNodeAddress, missing), $"{session.TargetNodeAddress} LUN {missing}"));
                    foreach (var number in numbers)
                    {
                        if (Lun is { Length: > 0 } && Array.IndexOf(Lun, number) < 0) continue;
                        try
                        {
                            host.WriteObject(await DescribeAsync(transport, session, number, host).ConfigureAwait(false));
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            host.WriteError(ErrorCatalog.Classify(e, $"{session.TargetNodeAddress} LUN {number}"));
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    host.WriteError(ErrorCatalog.Classify(e, session.SessionIdentifier));
                }
            }
        }

        static async Task<IscsiLun> DescribeAsync(IScsiTransport transport, IscsiSessionStatus session, int number, ICommandHost host)
        {
            var device = new ScsiDevice(transport, number);
            var cancel = host.Cancellation;
            var inquiry = await device.InquiryAsync(cancel).ConfigureAwait(false);
            var lun = new IscsiLun
            {
                SessionIdentifier = session.SessionIdentifier,
                TargetNodeAddress = session.TargetNodeAddress,
                Lun = number,
                DeviceType = IscsiBlockLun.DeviceTypeName(inquiry.DeviceType),
                Vendor = inquiry.Vendor,
                Product = inquiry.Product,
                Revision = inquiry.Revision,
            };
            // VPD pages are optional (SPC-4): a LUN without them still gets listed.
            try { lun.SerialNumber = await device.SerialNumberAsync(cancel).ConfigureAwait(false); }
            catch (ScsiCommandException e) { host.WriteVerbose($"LUN {number}: no unit serial number page ({e.Message})"); }
            try { lun.Identifiers = await device.DeviceIdentifiersAsync(cancel).ConfigureAwait(false); }
            catch (ScsiCommandException e) { host.WriteVerbose($"LUN {number}: no device identification page ({e.Message})"); }
            if (inquiry.DeviceType == 0x00)
            {
                var capacity = await device.ReadCapacityAsync(cancel).ConfigureAwait(false);
                lun.BlockSize = capacity.BlockSize;
                lun.BlockCount = capacity.BlockCount;
                if (session.HeldBy == HeldBy.Agent && AgentEndpoint.ExportSocketPathFor(AgentEndpoint.SocketPath) is { } socket)
                    lun.ExportUri = NbdUri.ForUnixSocket(socket, IscsiLunExportCatalog.ExportName(session.TargetNodeAddress, number));
            }
            return lun;
        }
    }
}
