using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Tab completion of -InterfaceName of the cmdlets that work on a lease (Get, Stop, Update,
    /// Test-DhcpLease, Get-DhcpOption): the interfaces that have one in this process.
    /// Start-DhcpLease offers every interface (<see cref="InterfaceNameCompleter"/>).
    /// </summary>
    public sealed class LeaseInterfaceNameCompleter : ValueCompleter
    {
        protected override IEnumerable<(string Value, string ToolTip)> Candidates(IDictionary fakeBoundParameters) =>
            CompleterText.Leases()
                .GroupBy(lease => lease.InterfaceName)
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, $"{g.Key} ({string.Join(", ", g.Select(l => l.Address is null ? l.State.ToString() : $"{l.State} {l.Address}"))})"));
    }
}
