using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Discovery
{
    /// <summary>SendTargets discovery (RFC 7143 section 11.10.4 and appendix C): a discovery session that asks, lists, and logs out.</summary>
    public static class SendTargets
    {
        /// <summary>
        /// Logs in to <paramref name="portal"/> for discovery, asks for every target (or
        /// only <paramref name="targetName"/>), and logs out. A target answered without a
        /// TargetAddress is reachable at the portal asked.
        /// </summary>
        public static async Task<IReadOnlyList<IscsiTarget>> DiscoverAsync(TargetAddress portal, LoginSettings settings,
            string? targetName = null, IscsiSessionOptions? options = null, CancellationToken cancel = default)
        {
            var discovery = settings with { SessionType = SessionType.Discovery, TargetName = null };
            var session = await IscsiProtocolSession.LoginAsync(portal, discovery, options, cancel).ConfigureAwait(false);
            try
            {
                var keys = await session.TextAsync(new[] { new TextKeyValue("SendTargets", targetName ?? "All") }, cancel).ConfigureAwait(false);
                var targets = Parse(keys, portal);
                await session.LogoutAsync(TimeSpan.FromSeconds(5), cancel).ConfigureAwait(false);
                return targets;
            }
            finally
            {
                session.Dispose();
            }
        }

        /// <summary>Groups TargetName/TargetAddress pairs; addresses that do not parse are a protocol error.</summary>
        public static List<IscsiTarget> Parse(IEnumerable<TextKeyValue> keys, TargetAddress askedPortal)
        {
            var targets = new List<IscsiTarget>();
            string? name = null;
            var portals = new List<TargetAddress>();
            void Flush()
            {
                if (name is null) return;
                if (portals.Count == 0) portals.Add(askedPortal);
                targets.Add(new IscsiTarget(name, portals));
                portals = new List<TargetAddress>();
            }
            foreach (var pair in keys)
            {
                if (pair.Key == "TargetName")
                {
                    Flush();
                    name = pair.Value;
                }
                else if (pair.Key == "TargetAddress")
                {
                    if (name is null) throw new IscsiProtocolException("SendTargets answered a TargetAddress before any TargetName");
                    if (!TargetAddress.TryParse(pair.Value, out var address)) throw new IscsiProtocolException($"SendTargets answered a bad TargetAddress '{pair.Value}'");
                    portals.Add(address!);
                }
            }
            Flush();
            return targets;
        }
    }
}
