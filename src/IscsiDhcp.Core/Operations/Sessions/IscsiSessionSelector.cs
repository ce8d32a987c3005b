using System;
using System.Collections.Generic;
using System.Linq;
using IscsiDhcp.Common;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Supervisor;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// Which sessions a cmdlet means: by target name (wildcards), by session identifier, by
    /// portal, or the IscsiSessionStatus objects piped in. A name without wildcards that matches
    /// nothing is reported as an error; a wildcard that matches nothing is not.
    /// </summary>
    public sealed class IscsiSessionSelector
    {
        public string[]? NodeAddress { get; set; }
        public string[]? SessionIdentifier { get; set; }
        public string? TargetPortalAddress { get; set; }

        /// <summary>The sessions meant, each as it is now; names that match nothing are reported to <paramref name="host"/>.</summary>
        public async Task<IReadOnlyList<IscsiSessionStatus>> SelectAsync(IIscsiDhcpService service, ICommandHost host)
        {
            var sessions = await service.GetSessionsAsync(host.Cancellation).ConfigureAwait(false);
            var chosen = new List<IscsiSessionStatus>();
            if (SessionIdentifier is { Length: > 0 })
            {
                foreach (var id in SessionIdentifier)
                {
                    var found = sessions.FirstOrDefault(s => string.Equals(s.SessionIdentifier, id, StringComparison.OrdinalIgnoreCase));
                    if (found is null) host.WriteError(NotFound($"no session has the identifier {id}", id));
                    else if (!chosen.Any(c => c.SessionIdentifier == found.SessionIdentifier)) chosen.Add(found);
                }
                return chosen;
            }
            IEnumerable<IscsiSessionStatus> matches = sessions;
            if (TargetPortalAddress is { } portal)
                matches = matches.Where(s => string.Equals(s.TargetPortal.Host, portal, StringComparison.OrdinalIgnoreCase)
                                             || string.Equals(s.OriginalTargetPortal.Host, portal, StringComparison.OrdinalIgnoreCase));
            if (NodeAddress is not { Length: > 0 }) return matches.ToList();
            var candidates = matches.ToList();
            foreach (var name in NodeAddress)
            {
                var pattern = new GlobPattern(name);
                var hits = candidates.Where(s => pattern.IsMatch(s.TargetNodeAddress)).ToList();
                if (hits.Count == 0 && !GlobPattern.HasWildcards(name)) host.WriteError(NotFound($"no session to a target named {name}", name));
                foreach (var hit in hits.Where(h => !chosen.Any(c => c.SessionIdentifier == h.SessionIdentifier))) chosen.Add(hit);
            }
            return chosen;
        }

        /// <summary>The one session meant (null when none matched, already reported); several is the user's mistake.</summary>
        public async Task<IscsiSessionStatus?> SelectOneAsync(IIscsiDhcpService service, ICommandHost host)
        {
            var sessions = await SelectAsync(service, host).ConfigureAwait(false);
            if (sessions.Count > 1)
                throw new ArgumentException($"that names {sessions.Count} sessions ({string.Join(", ", sessions.Select(s => s.SessionIdentifier))}); name one");
            return sessions.Count == 1 ? sessions[0] : null;
        }

        static OperationError NotFound(string message, string target) =>
            new(new ArgumentException(message), ErrorKind.ObjectNotFound, "IscsiSessionNotFound", target);
    }
}
