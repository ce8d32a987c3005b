using System;
using System.Collections.Generic;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>A logical unit of a session: what INQUIRY, its VPD pages and READ CAPACITY say of it.</summary>
    public sealed class IscsiLun
    {
        public string SessionIdentifier { get; internal set; } = "";
        public string TargetNodeAddress { get; internal set; } = "";
        public int Lun { get; internal set; }
        /// <summary>Disk, Tape, Cdrom, StorageArrayController, Enclosure, ... (the SCSI peripheral device type).</summary>
        public string DeviceType { get; internal set; } = "";
        public string Vendor { get; internal set; } = "";
        public string Product { get; internal set; } = "";
        public string Revision { get; internal set; } = "";
        /// <summary>VPD page 0x80, when the LUN has one.</summary>
        public string? SerialNumber { get; internal set; }
        /// <summary>VPD page 0x83: NAA, EUI-64, T10 and other designators.</summary>
        public IReadOnlyList<DeviceIdentifier> Identifiers { get; internal set; } = Array.Empty<DeviceIdentifier>();
        public uint BlockSize { get; internal set; }
        public ulong BlockCount { get; internal set; }
        public ulong Size => BlockSize * BlockCount;
        /// <summary>
        /// Where qemu, nbdinfo, nbdcopy, nbdfuse and nbd-client reach this LUN: the agent's NBD
        /// export, for a block LUN of a session the agent holds; null for a shell's own session.
        /// </summary>
        public string? ExportUri { get; internal set; }
    }
}
