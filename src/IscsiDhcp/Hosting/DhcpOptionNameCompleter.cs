using System.Collections;
using System.Collections.Generic;
using System.Linq;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Tab completion of Get-DhcpOption -Name: every option name the registry accepts (the
    /// module's, RFC 2132's, dhcpd's and dnsmasq's spellings), so the names offered are
    /// exactly those -Name takes.
    /// </summary>
    public sealed class DhcpOptionNameCompleter : ValueCompleter
    {
        static readonly IReadOnlyList<(string Value, string ToolTip)> Names = DhcpOptionRegistry.Names
            .OrderBy(name => name, System.StringComparer.OrdinalIgnoreCase)
            .Select(name => (name, $"{name} (option {DhcpOptionRegistry.CodeOf(name)})"))
            .ToList();

        protected override IEnumerable<(string Value, string ToolTip)> Candidates(IDictionary fakeBoundParameters) => Names;
    }
}
