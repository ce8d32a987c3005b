using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of -SessionIdentifier: the sessions this module supervises, with their targets as tool tips.</summary>
    public sealed class SessionIdentifierCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => CompleterText.Safely(() =>
        {
            var matches = CompleterText.Matcher(wordToComplete);
            return CompleterText.Sessions()
                .Where(s => matches(s.SessionIdentifier))
                .OrderBy(s => s.SessionIdentifier)
                .Select(s => CompleterText.Result(s.SessionIdentifier, $"{s.SessionIdentifier}: {s.TargetNodeAddress} ({s.State} at {s.TargetPortal})"));
        });
    }
}
