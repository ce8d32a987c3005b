using System;
using System.Collections.Generic;
using System.Linq;
using IscsiDhcp.Iscsi.Discovery;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// The targets Find-IscsiTarget found in this process, newest first, so that tab completion
    /// can offer them to Connect-IscsiTarget. A target found again at the same portal replaces
    /// its older entry; the record keeps at most <see cref="Capacity"/> entries, so a script
    /// that discovers in a loop cannot make it grow without bound.
    /// </summary>
    public sealed class DiscoveredTargets
    {
        public const int Capacity = 256;

        /// <summary>The record of this process (what Find-IscsiTarget writes and completion reads).</summary>
        public static DiscoveredTargets Shared { get; } = new();

        readonly object gate = new();
        readonly LinkedList<IscsiTarget> targets = new();   // newest first

        public void Record(IEnumerable<IscsiTarget> found)
        {
            if (found is null) throw new ArgumentNullException(nameof(found));
            lock (gate)
            {
                foreach (var target in found)
                {
                    if (target is null || target.Portals.Count == 0) continue;
                    for (var node = targets.First; node is not null; node = node.Next)
                    {
                        if (SameEntry(node.Value, target))
                        {
                            targets.Remove(node);
                            break;
                        }
                    }
                    targets.AddFirst(target);
                    while (targets.Count > Capacity) targets.RemoveLast();
                }
            }
        }

        /// <summary>What has been found, newest first.</summary>
        public IReadOnlyList<IscsiTarget> All
        {
            get { lock (gate) return targets.ToList(); }
        }

        public void Clear()
        {
            lock (gate) targets.Clear();
        }

        // iSCSI names compare without regard to case (RFC 3722 stringprep folds them).
        static bool SameEntry(IscsiTarget a, IscsiTarget b) =>
            string.Equals(a.NodeAddress, b.NodeAddress, StringComparison.OrdinalIgnoreCase) && a.Portals[0].Equals(b.Portals[0]);
    }
}
