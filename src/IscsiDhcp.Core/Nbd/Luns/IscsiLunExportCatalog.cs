using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Nbd.Luns
{
    /// <summary>
    /// The block LUNs of the live sessions of a service, as NBD exports named
    /// <c>&lt;targetNodeAddress&gt;/&lt;lun&gt;</c>. I/O goes through the session's supervised
    /// transport, so a session that reconnects underneath delays requests instead of failing
    /// them; once it has ended, requests fail with NBD errors (EIO, ESHUTDOWN), the socket stays.
    /// The empty name (the protocol's default export) is the first LUN listed.
    /// </summary>
    public sealed class IscsiLunExportCatalog : INbdExportCatalog
    {
        readonly IIscsiDhcpService service;

        public IscsiLunExportCatalog(IIscsiDhcpService service) => this.service = service ?? throw new ArgumentNullException(nameof(service));

        /// <summary>How long listing waits for one session's LUNs (a session reconnecting would hold the list up to its replacement timeout).</summary>
        public TimeSpan ListTimeout { get; set; } = TimeSpan.FromSeconds(10);

        public static string ExportName(string targetNodeAddress, int lun) =>
            targetNodeAddress + "/" + lun.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Splits an export name at its last '/': the target's node address and the LUN number.</summary>
        public static bool TryParseExportName(string name, out string targetNodeAddress, out int lun)
        {
            targetNodeAddress = "";
            lun = -1;
            var slash = name.LastIndexOf('/');
            if (slash <= 0) return false;
            if (!int.TryParse(name.Substring(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out lun)) return false;
            targetNodeAddress = name.Substring(0, slash);
            return true;
        }

        public async Task<IReadOnlyList<NbdExportEntry>> ListAsync(CancellationToken cancel)
        {
            var entries = new List<NbdExportEntry>();
            foreach (var session in await service.GetSessionsAsync(cancel).ConfigureAwait(false))
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                bounded.CancelAfter(ListTimeout);
                try
                {
                    var transport = await service.OpenTransportAsync(session.SessionIdentifier, bounded.Token).ConfigureAwait(false);
                    foreach (var lun in await ScsiDevice.ReportLunsAsync(transport, bounded.Token).ConfigureAwait(false))
                    {
                        var device = new ScsiDevice(transport, lun);
                        var inquiry = await device.InquiryAsync(bounded.Token).ConfigureAwait(false);
                        if (inquiry.PeripheralQualifier != 0 || inquiry.DeviceType != 0x00) continue;   // block devices only (tgtd's LUN 0 is a controller)
                        var capacity = await device.ReadCapacityAsync(bounded.Token).ConfigureAwait(false);
                        entries.Add(new NbdExportEntry(ExportName(session.TargetNodeAddress, lun), Describe(session, inquiry, capacity)));
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
                {
                    // A session that ends or stalls while being listed is left out; the others are still listed.
                }
            }
            return entries;
        }

        public async Task<NbdExport?> OpenAsync(string name, CancellationToken cancel)
        {
            if (name.Length == 0)
            {
                var all = await ListAsync(cancel).ConfigureAwait(false);
                if (all.Count == 0) return null;
                name = all[0].Name;
            }
            if (!TryParseExportName(name, out var target, out var lun)) return null;
            IscsiSessionStatus? session = null;
            foreach (var s in await service.GetSessionsAsync(cancel).ConfigureAwait(false))
            {
                if (!string.Equals(s.TargetNodeAddress, target, StringComparison.OrdinalIgnoreCase)) continue;
                session = s;
                if (s.IsConnected) break;   // of several sessions to one target, a logged-in one
            }
            if (session is null) return null;
            ScsiDevice device;
            LunCapacity capacity;
            try
            {
                var transport = await service.OpenTransportAsync(session.SessionIdentifier, cancel).ConfigureAwait(false);
                (device, capacity) = await IscsiBlockLun.OpenAsync(transport, session.TargetNodeAddress, lun, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IscsiLunNotFoundException or IscsiLunNotBlockDeviceException or IscsiSessionNotFoundException)
            {
                return null;
            }
            if (capacity.BlockSize == 0 || capacity.BlockSize > 65536 || (capacity.BlockSize & (capacity.BlockSize - 1)) != 0)
                throw new NbdException(NbdError.Invalid, $"{name}: a block size of {capacity.BlockSize} bytes cannot be exported (NBD wants a power of two up to 64 KiB)");
            var (limits, unmap) = await ProvisioningAsync(device, cancel).ConfigureAwait(false);
            var inquiry = await device.InquiryAsync(cancel).ConfigureAwait(false);
            var writeProtected = await device.IsWriteProtectedAsync(cancel).ConfigureAwait(false);
            return new IscsiLunExport(ExportName(session.TargetNodeAddress, lun), Describe(session, inquiry, capacity), device, capacity, limits, unmap, writeProtected);
        }

        /// <summary>Block Limits and whether UNMAP works (LBPU); both pages are optional, a LUN without them has no trim.</summary>
        static async Task<(BlockLimits? Limits, bool Unmap)> ProvisioningAsync(ScsiDevice device, CancellationToken cancel)
        {
            try
            {
                var pages = await device.SupportedVpdPagesAsync(cancel).ConfigureAwait(false);
                BlockLimits? limits = null;
                var unmap = false;
                if (Contains(pages, VpdPages.BlockLimits))
                    limits = VpdPages.ParseBlockLimits(await device.VpdPageAsync(VpdPages.BlockLimits, cancel).ConfigureAwait(false));
                if (Contains(pages, VpdPages.LogicalBlockProvisioning))
                    unmap = VpdPages.ParseUnmapSupported(await device.VpdPageAsync(VpdPages.LogicalBlockProvisioning, cancel).ConfigureAwait(false));
                return (limits, unmap && limits is { MaximumUnmapLbaCount: > 0 });
            }
            catch (Exception e) when (e is ScsiCommandException or FormatException)
            {
                return (null, false);
            }
        }

        static bool Contains(IReadOnlyList<byte> pages, byte page)
        {
            foreach (var p in pages)
                if (p == page) return true;
            return false;
        }

        static string Describe(IscsiSessionStatus session, InquiryData inquiry, LunCapacity capacity) =>
            $"{inquiry.Vendor.Trim()} {inquiry.Product.Trim()}, {capacity.BlockCount} blocks of {capacity.BlockSize} bytes, session {session.SessionIdentifier}";
    }
}
