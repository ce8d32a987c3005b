using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// A completer of one parameter: a subclass says which values the parameter may take now,
    /// each with a tool tip; those that match what was typed are offered in the order given.
    /// Matching, quoting and never failing are <see cref="CompleterText"/>'s.
    /// </summary>
    public abstract class ValueCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => CompleterText.Safely(() =>
        {
            var matches = CompleterText.Matcher(wordToComplete);
            return Candidates(fakeBoundParameters).Where(c => matches(c.Value)).Select(c => CompleterText.Result(c.Value, c.ToolTip));
        });

        /// <summary>Every value the parameter may take now, with what its tool tip says.</summary>
        protected abstract IEnumerable<(string Value, string ToolTip)> Candidates(IDictionary fakeBoundParameters);
    }
}
