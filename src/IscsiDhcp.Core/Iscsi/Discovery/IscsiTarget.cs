using System.Collections.Generic;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Discovery
{
    /// <summary>
    /// A target a SendTargets answer named, with every portal it listed for it. The portal
    /// properties (named as Windows' iSCSI module names them, so a discovered target binds
    /// to Connect-IscsiTarget by property name) are those of the first portal listed.
    /// </summary>
    public sealed class IscsiTarget
    {
        public IscsiTarget(string nodeAddress, IReadOnlyList<TargetAddress> portals)
        {
            NodeAddress = nodeAddress;
            Portals = portals;
        }

        /// <summary>The target's iSCSI name (iqn., eui. or naa.).</summary>
        public string NodeAddress { get; }
        public IReadOnlyList<TargetAddress> Portals { get; }
        public string TargetPortalAddress => Portals[0].Host;
        public int TargetPortalPortNumber => Portals[0].Port;
        public int TargetPortalGroupTag => Portals[0].PortalGroupTag ?? 1;

        public override string ToString() => $"{NodeAddress} ({string.Join(", ", Portals)})";
    }
}
