using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Tab completion of Get-DhcpOption -Name: every option name the registry knows, read
    /// through its public API (each code's name, kept when the name leads back to the code),
    /// so the names offered are exactly those -Name accepts.
    /// </summary>
    public sealed class DhcpOptionNameCompleter : IArgumentCompleter
    {
        static readonly IReadOnlyList<(string Name, byte Code)> Names = Enumerable.Range(1, 254)
            .Select(code => (Name: DhcpOptionRegistry.NameOf((byte)code), Code: (byte)code))
            .Where(option => DhcpOptionRegistry.CodeOf(option.Name) == option.Code)
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
