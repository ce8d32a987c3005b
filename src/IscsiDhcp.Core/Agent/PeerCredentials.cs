using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using IscsiDhcp.Common;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// Decides per connection whether the caller is privileged, as dhcpagent and dhcpcd do: the
    /// kernel's credentials of the peer (SO_PEERCRED: pid, uid, gid), its supplementary groups
    /// (from /proc while the peer is still connected), and the agent's administrators' group
    /// (a name resolved through /etc/group). Root is always privileged.
    /// </summary>
    public sealed class PeerCredentials
    {
        const int SolSocket = 1, SoPeercred = 17;
        static readonly char[] Blanks = { '\t', ' ' };
        readonly string? adminGroup;
        readonly string groupFile;

        /// <param name="adminGroup">Members of this group may change state; null: only root.</param>
        /// <param name="groupFile">Where group names are resolved (tests point it elsewhere).</param>
        public PeerCredentials(string? adminGroup, string groupFile = "/etc/group")
        {
            this.adminGroup = string.IsNullOrEmpty(adminGroup) ? null : adminGroup;
            this.groupFile = groupFile;
        }

        /// <summary>The caller on a connected Unix socket (its file descriptor).</summary>
        public AgentCaller Of(SafeHandle socket)
        {
            var credentials = new int[3];   // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            var length = 12;
            if (FileDescriptor.Use(socket, fd => getsockopt(fd, SolSocket, SoPeercred, credentials, ref length)) != 0)
                throw new Win32Exception(Marshal.GetLastWin32Error(), "cannot read the caller's credentials (SO_PEERCRED)");
            var pid = credentials[0];
            var uid = unchecked((uint)credentials[1]);
            var gid = unchecked((uint)credentials[2]);
            var groups = SupplementaryGroups(pid, uid);
            return new AgentCaller(pid, uid, gid, groups, Decide(uid, gid, groups));
        }

        /// <summary>The rule itself: root, or the administrators' group as primary or supplementary group.</summary>
        public bool Decide(uint uid, uint gid, IReadOnlyCollection<uint> groups)
        {
            if (uid == 0) return true;
            if (adminGroup is null || AdminGroupId() is not { } admin) return false;
            if (gid == admin) return true;
            foreach (var g in groups) if (g == admin) return true;
            return false;
        }

        /// <summary>The id of the administrators' group, read each time (a group made after the agent started counts).</summary>
        uint? AdminGroupId()
        {
            try
            {
                foreach (var line in File.ReadLines(groupFile))
                {
                    var fields = line.Split(':');
                    if (fields.Length >= 3 && fields[0] == adminGroup && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return null;
        }

        /// <summary>
        /// The peer's supplementary groups from /proc/PID/status, used only when that process
        /// still has the uid the kernel gave for the socket (a pid reused since counts for nothing).
        /// </summary>
        static List<uint> SupplementaryGroups(int pid, uint uid)
        {
            var groups = new List<uint>();
            try
            {
                var uidMatches = false;
                foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
                {
                    if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    {
                        var ids = line.Substring(4).Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
                        uidMatches = ids.Length > 0 && ids[0] == uid.ToString(CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("Groups:", StringComparison.Ordinal))
                    {
                        foreach (var g in line.Substring(7).Split(Blanks, StringSplitOptions.RemoveEmptyEntries))
                            if (uint.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) groups.Add(id);
                    }
                }
                if (!uidMatches) groups.Clear();
            }
            catch (IOException) { groups.Clear(); }
            catch (UnauthorizedAccessException) { groups.Clear(); }
            return groups;
        }

        [DllImport("libc", SetLastError = true)]
        static extern int getsockopt(int socket, int level, int name, int[] value, ref int length);
    }
}
