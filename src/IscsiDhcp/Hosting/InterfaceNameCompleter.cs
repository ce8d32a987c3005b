using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net.NetworkInformation;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of the system's network interface names (Start-DhcpLease: a lease may start on any of them).</summary>
    public sealed class InterfaceNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => CompleterText.Safely(() =>
        {
            var matches = CompleterText.Matcher(wordToComplete);
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.NetworkInterfaceType != NetworkInterfaceType.Loopback && matches(i.Name))
                .OrderBy(i => i.Name)
                .Select(i => CompleterText.Result(i.Name, $"{i.Name} ({i.OperationalStatus})"));
        });
    }
}
