using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Tab completion of Connect-IscsiTarget -NodeAddress: the targets Find-IscsiTarget found in
    /// this process, newest first, at the portal already typed (-TargetPortalAddress,
    /// -TargetPortalPortNumber) if any, and never one this process is connected to (Connect
    /// refuses those: the same ISID would end the first session).
    /// </summary>
    public sealed class DiscoveredTargetCompleter : ValueCompleter
    {
        protected override IEnumerable<(string Value, string ToolTip)> Candidates(IDictionary fakeBoundParameters)
        {
            var portal = CompleterText.Bound(fakeBoundParameters, "TargetPortalAddress")?.Trim().Trim('[', ']');
            var port = int.TryParse(CompleterText.Bound(fakeBoundParameters, "TargetPortalPortNumber"), out var p) ? p : (int?)null;
            var connected = new HashSet<string>(CompleterText.Sessions().Select(s => s.TargetNodeAddress), StringComparer.OrdinalIgnoreCase);
            return DiscoveredTargets.Shared.All
                .Where(t => !connected.Contains(t.NodeAddress))
                .Where(t => t.Portals.Any(a => (portal is null || string.Equals(a.Host, portal, StringComparison.OrdinalIgnoreCase)) && (port is null || a.Port == port)))
                .GroupBy(t => t.NodeAddress, StringComparer.OrdinalIgnoreCase)
                .Select(g => (g.Key, $"{g.Key} at {string.Join(", ", g.SelectMany(t => t.Portals).Distinct())}"));
        }
    }
}
