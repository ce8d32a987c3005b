using System;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Common;
using IscsiDhcp.Nbd;
using IscsiDhcp.Nbd.Kernel;
using IscsiDhcp.Nbd.Luns;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// Mount-IscsiLun: a LUN of a session the agent holds as a block device of this host, the
    /// way iscontrol hands a target's LUNs to the system: the kernel's NBD driver attached to
    /// the agent's export by nbd-client. Where the driver is missing it says so and names the
    /// export's URI, which every user-space NBD client takes.
    /// </summary>
    public sealed class MountIscsiLunOperation
    {
        readonly IIscsiDhcpService service;
        readonly NbdKernelDriver driver;

        public MountIscsiLunOperation(IIscsiDhcpService service, NbdKernelDriver? driver = null)
        {
            this.service = service;
            this.driver = driver ?? new NbdKernelDriver();
        }

        public IscsiSessionSelector Selector { get; } = new();
        public int Lun { get; set; }
        public bool ReadOnly { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            var session = await Selector.SelectOneAsync(service, host).ConfigureAwait(false);
            if (session is null) return;
            var lunName = $"LUN {Lun} of {session.TargetNodeAddress}";
            if (session.HeldBy != HeldBy.Agent)
                throw new InvalidOperationException($"session {session.SessionIdentifier} to {session.TargetNodeAddress} is held by this shell; only sessions the IscsiDhcp agent holds have an NBD export to attach (Connect-IscsiTarget -IsPersistent, or connect while the agent runs)");
            var socket = AgentEndpoint.ExportSocketPathFor(AgentEndpoint.SocketPath)
                ?? throw new PlatformNotSupportedException("the agent's NBD export needs a Unix socket");
            var exportName = IscsiLunExportCatalog.ExportName(session.TargetNodeAddress, Lun);
            var uri = NbdUri.ForUnixSocket(socket, exportName);

            // The LUN is there, is a block device, and this caller may open it: asked the way any NBD client opens it.
            uint blockSize;
            bool readOnly;
            using (var device = await service.OpenBlockDeviceAsync(session.SessionIdentifier, Lun, !ReadOnly, host.Cancellation).ConfigureAwait(false))
            {
                blockSize = device.BlockSize;
                readOnly = ReadOnly || device.IsReadOnly;
            }
            if (driver.Unavailable() is { } why) throw new NbdDriverUnavailableException(why, uri);
            var free = driver.FirstFree() ?? throw new InvalidOperationException("every NBD device of the kernel is in use (load the driver with more: modprobe nbd nbds_max=N)");
            if (!host.ShouldProcess(free, $"Attach {lunName}{(readOnly ? " read-only" : "")} ({uri})")) return;
            driver.Attach(socket, exportName, free, blockSize, readOnly);
            host.WriteVerbose($"{lunName} is {free}");
            host.WriteObject(new IscsiLunMount
            {
                SessionIdentifier = session.SessionIdentifier,
                TargetNodeAddress = session.TargetNodeAddress,
                Lun = Lun,
                Device = free,
                ExportUri = uri,
                IsReadOnly = readOnly,
            });
        }
    }
}
