using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of -NodeAddress of the cmdlets that work on sessions: the targets of the sessions this module supervises.</summary>
    public sealed class TargetNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => CompleterText.Safely(() =>
        {
            var matches = CompleterText.Matcher(wordToComplete);
            return CompleterText.Sessions()
                .Where(s => matches(s.TargetNodeAddress))
                .GroupBy(s => s.TargetNodeAddress)
                .OrderBy(g => g.Key)
                .Select(g => CompleterText.Result(g.Key, $"{g.Key} ({string.Join(", ", g.Select(s => $"{s.State} at {s.TargetPortal}"))})"));
        });
    }
}
