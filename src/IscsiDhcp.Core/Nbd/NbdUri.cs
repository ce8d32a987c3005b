using System.Text;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// NBD URIs (the NBD URI specification, doc/uri.md) as qemu, nbdinfo, nbdcopy and nbdfuse
    /// take them: nbd+unix:///EXPORT?socket=PATH, the export name percent-encoded as a path.
    /// </summary>
    public static class NbdUri
    {
        public static string ForUnixSocket(string socketPath, string exportName) =>
            $"nbd+unix:///{Escape(exportName)}?socket={Escape(socketPath)}";

        /// <summary>Percent-encodes what RFC 3986 does not allow as is in a path (UTF-8 bytes); '/' and ':' stay.</summary>
        static string Escape(string text)
        {
            var escaped = new StringBuilder(text.Length);
            foreach (var b in Encoding.UTF8.GetBytes(text))
            {
                var c = (char)b;
                var plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c is '-' or '.' or '_' or '~' or ':' or '@' or '!' or '$' or '\'' or '(' or ')' or '*' or '+' or ','
                    || c == '/';
                if (plain) escaped.Append(c);
                else escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            return escaped.ToString();
        }
    }
}
