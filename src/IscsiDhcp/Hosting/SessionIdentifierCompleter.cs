using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of -SessionIdentifier: the sessions this module supervises, with their targets as tool tips.</summary>
    public sealed class SessionIdentifierCompleter : ValueCompleter
    {
        protected override IEnumerable<(string Value, string ToolTip)> Candidates(IDictionary fakeBoundParameters) =>
            CompleterText.Sessions()
                .OrderBy(s => s.SessionIdentifier)
                .Select(s => (s.SessionIdentifier, $"{s.SessionIdentifier}: {s.TargetNodeAddress} ({s.State} at {s.TargetPortal})"));
    }
}
