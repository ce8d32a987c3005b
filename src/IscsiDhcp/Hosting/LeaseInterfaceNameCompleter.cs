using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Tab completion of -InterfaceName of the cmdlets that work on a lease (Get, Stop, Update,
    /// Test-DhcpLease, Get-DhcpOption): the interfaces that have one in this process.
    /// Start-DhcpLease offers every interface (<see cref="InterfaceNameCompleter"/>).
    /// </summary>
    public sealed class LeaseInterfaceNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => CompleterText.Safely(() =>
        {
            var matches = CompleterText.Matcher(wordToComplete);
            return InProcessService.Shared.StatusAllAsync().GetAwaiter().GetResult()
                .Where(lease => matches(lease.InterfaceName))
                .GroupBy(lease => lease.InterfaceName)
                .OrderBy(g => g.Key)
                .Select(g => CompleterText.Result(g.Key, $"{g.Key} ({string.Join(", ", g.Select(l => l.Address is null ? l.State.ToString() : $"{l.State} {l.Address}"))})"));
        });
    }
}
