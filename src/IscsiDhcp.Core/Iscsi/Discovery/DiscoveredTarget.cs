using System.Collections.Generic;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Discovery
{
    /// <summary>A target a SendTargets answer named, with every portal it listed for it.</summary>
    public sealed class DiscoveredTarget
    {
        public DiscoveredTarget(string name, IReadOnlyList<TargetAddress> portals)
        {
            Name = name;
            Portals = portals;
        }

        public string Name { get; }
        public IReadOnlyList<TargetAddress> Portals { get; }

        public override string ToString() => $"{Name} ({string.Join(", ", Portals)})";
    }
}
