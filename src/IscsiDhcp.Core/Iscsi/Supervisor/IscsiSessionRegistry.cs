using System;
using System.Collections.Generic;
using System.Linq;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>Every supervised session of this process, from its start until it ends.</summary>
    public static class IscsiSessionRegistry
    {
        static readonly object Gate = new();
        static readonly List<IscsiSessionSupervisor> Sessions = new();

        /// <summary>The live supervisors, in the order they started.</summary>
        public static IReadOnlyList<IscsiSessionSupervisor> All
        {
            get { lock (Gate) return Sessions.ToArray(); }
        }

        public static IscsiSessionSupervisor? FindBySessionIdentifier(string sessionIdentifier) =>
            All.FirstOrDefault(s => string.Equals(s.SessionIdentifier, sessionIdentifier, StringComparison.OrdinalIgnoreCase));

        public static IReadOnlyList<IscsiSessionSupervisor> FindByTarget(string targetName) =>
            All.Where(s => string.Equals(s.TargetName, targetName, StringComparison.OrdinalIgnoreCase)).ToList();

        /// <summary>Sessions whose portal in use or own portal is <paramref name="portal"/>.</summary>
        public static IReadOnlyList<IscsiSessionSupervisor> FindByPortal(TargetAddress portal) =>
            All.Where(s => s.Portal.Equals(portal) || s.OriginalPortal.Equals(portal)).ToList();

        internal static void Add(IscsiSessionSupervisor supervisor)
        {
            lock (Gate) Sessions.Add(supervisor);
        }

        internal static void Remove(IscsiSessionSupervisor supervisor)
        {
            lock (Gate) Sessions.Remove(supervisor);
        }
    }
}
