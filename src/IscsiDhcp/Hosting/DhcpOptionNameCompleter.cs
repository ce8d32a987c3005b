using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Tab completion of Get-DhcpOption -Name: every option name the registry accepts (the
    /// module's, RFC 2132's, dhcpd's and dnsmasq's spellings), so the names offered are
    /// exactly those -Name takes.
    /// </summary>
    public sealed class DhcpOptionNameCompleter : IArgumentCompleter
    {
        static readonly IReadOnlyList<(string Name, byte Code)> Names = DhcpOptionRegistry.Names
            .Select(name => (Name: name, Code: DhcpOptionRegistry.CodeOf(name)!.Value))
            .OrderBy(option => option.Name, System.StringComparer.OrdinalIgnoreCase)
            .ToList();

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => CompleterText.Safely(() =>
        {
            var matches = CompleterText.Matcher(wordToComplete);
            return Names.Where(option => matches(option.Name)).Select(option => CompleterText.Result(option.Name, $"{option.Name} (option {option.Code})"));
        });
    }
}
