using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Net.NetworkInformation;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of the system's network interface names (Start-DhcpLease: a lease may start on any of them).</summary>
    public sealed class InterfaceNameCompleter : ValueCompleter
    {
        protected override IEnumerable<(string Value, string ToolTip)> Candidates(IDictionary fakeBoundParameters) =>
            NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .OrderBy(i => i.Name)
                .Select(i => (i.Name, $"{i.Name} ({i.OperationalStatus})"));
    }
}
