using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using IscsiDhcp.Common;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of target names from the sessions this module supervises.</summary>
    public sealed class TargetNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = new GlobPattern((wordToComplete ?? "").Trim('\'', '"') + "*");
            return InProcessService.Shared.Sessions
                .Select(s => s.TargetName)
                .Distinct()
                .Where(pattern.IsMatch)
                .OrderBy(n => n)
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
        }
    }
}
