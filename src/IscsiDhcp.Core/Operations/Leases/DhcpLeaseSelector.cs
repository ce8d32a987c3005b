using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using IscsiDhcp.Common;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>
    /// Which leases a cmdlet means: by interface name (wildcards) and, for several clients on
    /// one interface, client identifier; a lease piped in names both. A name without
    /// wildcards that matches nothing is an error; a wildcard that matches nothing is not.
    /// </summary>
    public sealed class DhcpLeaseSelector
    {
        public string[]? InterfaceName { get; set; }
        /// <summary>Hex bytes, as DhcpLeaseStatus.ClientId shows them ("01:02:00:00:00:00:01").</summary>
        public string? ClientId { get; set; }

        public async Task<IReadOnlyList<DhcpLeaseStatus>> SelectAsync(IDhcpService service, ICommandHost host, bool reportMissing = true)
        {
            // The user's text is read once; leases are compared by their keys' bytes.
            var client = ClientId is null ? null : ParseClientId(ClientId);
            var all = (await service.StatusAllAsync(host.Cancellation).ConfigureAwait(false))
                .Where(l => client is null || l.Key.ClientIdBytes.AsSpan().SequenceEqual(client)).ToList();
            if (InterfaceName is not { Length: > 0 }) return all;
            var chosen = new List<DhcpLeaseStatus>();
            foreach (var name in InterfaceName)
            {
                var pattern = new GlobPattern(name);
                var hits = all.Where(l => pattern.IsMatch(l.InterfaceName)).ToList();
                if (reportMissing && hits.Count == 0 && !GlobPattern.HasWildcards(name))
                    host.WriteError(new OperationError(new DhcpArgumentException("InterfaceName", "DhcpLeaseNotFound", ErrorKind.ObjectNotFound,
                        $"-InterfaceName {name}: no lease is managed on an interface of that name{(ClientId is null ? "" : $" for -ClientId {ClientId}")}"),
                        ErrorKind.ObjectNotFound, "DhcpLeaseNotFound", name));
                chosen.AddRange(hits.Where(h => !chosen.Contains(h)));
            }
            return chosen;
        }

        static byte[] ParseClientId(string text)
        {
            try { return DhcpClientIdentity.ParseClientId(text); }
            catch (ArgumentException e) when (e is not DhcpArgumentException)
            {
                throw DhcpArgumentException.Invalid("ClientId", "DhcpInvalidClientId", e.Message);
            }
        }
    }
}
