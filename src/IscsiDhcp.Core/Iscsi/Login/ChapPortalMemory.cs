using System;
using System.Collections.Concurrent;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>
    /// The portals, in this process, whose target refused our SHA-256 CHAP answer and then
    /// accepted an older algorithm (tgtd reads CHAP_A=7 as SHA-1): the next login there,
    /// a supervisor's reconnect or another session's, offers the older ones at once instead
    /// of spending a connection on SHA-256 again.
    /// </summary>
    static class ChapPortalMemory
    {
        static readonly ConcurrentDictionary<string, bool> RefusedSha256 = new(StringComparer.Ordinal);

        static string Key(TargetAddress portal) => portal.Host.ToLowerInvariant() + "|" + portal.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public static bool RefusesSha256(TargetAddress portal) => RefusedSha256.ContainsKey(Key(portal));

        public static void NoteSha256Refused(TargetAddress portal) => RefusedSha256[Key(portal)] = true;

        /// <summary>For tests: a portal number reused by another target starts with a clean slate.</summary>
        internal static void Forget(TargetAddress portal) => RefusedSha256.TryRemove(Key(portal), out _);
    }
}
