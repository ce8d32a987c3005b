using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net.NetworkInformation;
using IscsiDhcp.Common;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of the system's network interface names.</summary>
    public sealed class InterfaceNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = new GlobPattern((wordToComplete ?? "").Trim('\'', '"') + "*");
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.NetworkInterfaceType != NetworkInterfaceType.Loopback && pattern.IsMatch(i.Name))
                .OrderBy(i => i.Name)
                .Select(i => new CompletionResult(i.Name, i.Name, CompletionResultType.ParameterValue, $"{i.Name} ({i.OperationalStatus})"));
        }
    }
}
