using System;
using System.Globalization;
using System.IO;
using System.Text;
using IscsiDhcp.Common;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>
    /// Leases on disk, one file per interface and client id, so a restart can INIT-REBOOT:
    /// the current ACK, the original ACK and when each was obtained. Files are written
    /// atomically (a temporary file renamed over the old) with mode 0600; an expired or
    /// corrupt file is ignored and reported through the warning callback.
    /// </summary>
    public sealed class DhcpLeaseStore
    {
        const string Magic = "IscsiDhcp lease 1";
        readonly Action<string>? warn;

        public DhcpLeaseStore(string directory, Action<string>? warn = null)
        {
            if (string.IsNullOrEmpty(directory)) throw new ArgumentException("a lease directory is required", nameof(directory));
            Directory = directory;
            this.warn = warn;
        }

        public string Directory { get; }

        public string PathOf(string interfaceName, byte[] clientId)
        {
            foreach (var c in Path.GetInvalidFileNameChars())
                if (interfaceName.IndexOf(c) >= 0) throw new ArgumentException($"'{interfaceName}' cannot name a lease file", nameof(interfaceName));
            return Path.Combine(Directory, $"{interfaceName}-{BitConverter.ToString(clientId).Replace("-", "").ToLowerInvariant()}.lease");
        }

        public void Save(string interfaceName, byte[] clientId, DhcpLease lease)
        {
            System.IO.Directory.CreateDirectory(Directory);
            var target = PathOf(interfaceName, clientId);
            var text = new StringBuilder()
                .AppendLine(Magic)
                .AppendLine(lease.Obtained.ToString("o", CultureInfo.InvariantCulture))
                .AppendLine(Convert.ToBase64String(lease.Ack.Encode(4096)))
                .AppendLine(Convert.ToBase64String(lease.OriginalAck.Encode(4096)))
                .ToString();
            PrivateFile.WriteAllBytes(target, Encoding.UTF8.GetBytes(text));
        }

        /// <summary>The stored lease, or null when there is none, it has expired, or the file is unreadable.</summary>
        public DhcpLease? Load(string interfaceName, byte[] clientId, DateTimeOffset now)
        {
            var path = PathOf(interfaceName, clientId);
            if (!File.Exists(path)) return null;
            try
            {
                var lines = File.ReadAllLines(path);
                if (lines.Length < 4 || lines[0] != Magic) throw new FormatException("not a lease file");
                var obtained = DateTimeOffset.Parse(lines[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                var ack = DhcpMessage.Parse(Convert.FromBase64String(lines[2]));
                var original = DhcpMessage.Parse(Convert.FromBase64String(lines[3]));
                var lease = DhcpLease.FromAck(ack, obtained, DhcpLease.FromAck(original, obtained));
                if (lease.ExpiresAt is { } expires && expires <= now)
                {
                    warn?.Invoke($"ignoring the lease in {path}: it expired at {expires:u}");
                    return null;
                }
                return lease;
            }
            catch (Exception e) when (e is FormatException or DhcpFormatException or IOException)
            {
                warn?.Invoke($"ignoring the unreadable lease file {path}: {e.Message}");
                return null;
            }
        }

        public void Delete(string interfaceName, byte[] clientId)
        {
            var path = PathOf(interfaceName, clientId);
            if (File.Exists(path)) File.Delete(path);
        }
    }
}
