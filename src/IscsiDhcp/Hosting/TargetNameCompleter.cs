using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace IscsiDhcp.Hosting
{
    /// <summary>Tab completion of -NodeAddress of the cmdlets that work on sessions: the targets of the sessions this module supervises.</summary>
    public sealed class TargetNameCompleter : ValueCompleter
    {
        protected override IEnumerable<(string Value, string ToolTip)> Candidates(IDictionary fakeBoundParameters) =>
            CompleterText.Sessions()
                .GroupBy(s => s.TargetNodeAddress)
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, $"{g.Key} ({string.Join(", ", g.Select(s => $"{s.State} at {s.TargetPortal}"))})"));
    }
}
