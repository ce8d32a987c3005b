using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Common;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// What the agent keeps across restarts, in one root-only file (0600, in a 0700 folder):
    /// the target portals and persistent sessions with their CHAP secrets (open-iscsi's node
    /// records), and the leases it was managing, to take up again (dhcpagent's adoption).
    /// Every change rewrites the file whole; an unreadable file is kept aside, never lost.
    /// </summary>
    public sealed class AgentStore
    {
        const int Version = 1;
        readonly object gate = new();
        readonly List<IscsiSessionRequest> portals = new();
        readonly List<IscsiSessionRequest> sessions = new();
        readonly List<DhcpStartRequest> leases = new();

        public AgentStore(string path, Action<string>? warn = null)
        {
            Path = path;
            Load(warn);
        }

        public string Path { get; }

        public IReadOnlyList<IscsiSessionRequest> Portals { get { lock (gate) return portals.ToList(); } }
        public IReadOnlyList<IscsiSessionRequest> Sessions { get { lock (gate) return sessions.ToList(); } }
        public IReadOnlyList<DhcpStartRequest> Leases { get { lock (gate) return leases.ToList(); } }

        /// <summary>Adds or replaces the portal at the same address and port.</summary>
        public void SavePortal(IscsiSessionRequest portal) => Change(() => Replace(portals, portal, (a, b) => SamePortal(a, b.Portal.Host, b.Portal.Port)));

        public bool RemovePortal(string host, int port) =>
            Change(() => portals.RemoveAll(p => SamePortal(p, host, port)) > 0);

        /// <summary>Adds or replaces the persistent session of the same target and initiator.</summary>
        public void SaveSession(IscsiSessionRequest session) =>
            Change(() => Replace(sessions, session, (a, b) => IsSession(a, b.Settings.TargetName ?? "", b.Settings.InitiatorName)));

        public bool RemoveSession(string targetName, string initiatorName) =>
            Change(() => sessions.RemoveAll(s => IsSession(s, targetName, initiatorName)) > 0);

        public bool IsPersistent(string targetName, string initiatorName)
        {
            lock (gate) return sessions.Any(s => IsSession(s, targetName, initiatorName));
        }

        public void SaveLease(DhcpStartRequest lease) =>
            Change(() => Replace(leases, lease, (a, b) => a.InterfaceName == b.InterfaceName && ClientId(a).AsSpan().SequenceEqual(ClientId(b))));

        public bool RemoveLease(DhcpLeaseKey key) =>
            Change(() => leases.RemoveAll(l => l.InterfaceName == key.InterfaceName && (l.Identity is null || ClientId(l).AsSpan().SequenceEqual(key.ClientId))) > 0);

        /// <summary>The client id a start request names; none (the agent makes one from the interface's MAC) matches by interface alone.</summary>
        static byte[] ClientId(DhcpStartRequest request) => request.Identity?.ClientId ?? Array.Empty<byte>();

        static bool SamePortal(IscsiSessionRequest p, string host, int port) =>
            string.Equals(p.Portal.Host, host, StringComparison.OrdinalIgnoreCase) && p.Portal.Port == port;

        static bool IsSession(IscsiSessionRequest s, string targetName, string initiatorName) =>
            string.Equals(s.Settings.TargetName, targetName, StringComparison.OrdinalIgnoreCase) && s.Settings.InitiatorName == initiatorName;

        static void Replace<T>(List<T> list, T item, Func<T, T, bool> same)
        {
            list.RemoveAll(x => same(x, item));
            list.Add(item);
        }

        void Change(Action change) => Change(() => { change(); return true; });

        bool Change(Func<bool> change)
        {
            lock (gate)
            {
                var changed = change();
                if (changed) Write();
                return changed;
            }
        }

        void Write()
        {
            var frame = AgentMessage.Build(w =>
            {
                w.WriteNumber("version", Version);
                w.WriteStartArray("portals");
                foreach (var p in portals) { w.WriteStartObject(); SessionJson.WriteRequest(w, "request", p); w.WriteEndObject(); }
                w.WriteEndArray();
                w.WriteStartArray("sessions");
                foreach (var s in sessions) { w.WriteStartObject(); SessionJson.WriteRequest(w, "request", s); w.WriteEndObject(); }
                w.WriteEndArray();
                w.WriteStartArray("leases");
                foreach (var l in leases) { w.WriteStartObject(); LeaseJson.WriteStartRequest(w, "request", l); w.WriteEndObject(); }
                w.WriteEndArray();
            });
            try
            {
                var body = new byte[frame.Length - AgentFrame.HeaderLength];
                Buffer.BlockCopy(frame.Buffer, AgentFrame.HeaderLength, body, 0, body.Length);
                var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
                Directory.CreateDirectory(directory);
                PrivateFile.RestrictToOwner(directory, directory: true);
                PrivateFile.WriteAllBytes(Path, body);
                Array.Clear(body, 0, body.Length);
            }
            finally
            {
                frame.Clear();
            }
        }

        void Load(Action<string>? warn)
        {
            if (!File.Exists(Path)) return;
            try
            {
                using var document = AgentMessage.Parse(File.ReadAllBytes(Path));
                var root = document.RootElement;
                if (root.Int32("version") != Version) throw new AgentProtocolException($"version {root.Int32("version")} is not {Version}");
                portals.AddRange(root.Array("portals").Select(p => SessionJson.ReadRequest(p.Object("request"))));
                sessions.AddRange(root.Array("sessions").Select(s => SessionJson.ReadRequest(s.Object("request"))));
                leases.AddRange(root.Array("leases").Select(l => LeaseJson.ReadStartRequest(l.Object("request"))));
            }
            catch (Exception e) when (e is AgentProtocolException or IOException or ArgumentException)
            {
                portals.Clear();
                sessions.Clear();
                leases.Clear();
                var aside = Path + ".unreadable";
                warn?.Invoke($"the agent's store {Path} is unreadable ({e.Message}); kept as {aside}, starting empty");
                try { File.Copy(Path, aside, overwrite: true); }
                catch (IOException) { }
            }
        }
    }
}
