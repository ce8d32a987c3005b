using System;
using System.Text.RegularExpressions;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>iSCSI names (RFC 7143 section 4.2.7): iqn.yyyy-mm.reversed.domain[:anything], eui.16 hex, naa.16 or 32 hex.</summary>
    public static class IscsiName
    {
        static readonly Regex Iqn = new(@"^iqn\.\d{4}-\d{2}\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)*(:[^\s]*)?$", RegexOptions.CultureInvariant);
        static readonly Regex Eui = new(@"^eui\.[0-9A-Fa-f]{16}$", RegexOptions.CultureInvariant);
        static readonly Regex Naa = new(@"^naa\.([0-9A-Fa-f]{16}|[0-9A-Fa-f]{32})$", RegexOptions.CultureInvariant);

        public const int MaxLength = 223;

        public static bool IsValid(string? name) =>
            name is not null && name.Length <= MaxLength && (Iqn.IsMatch(name) || Eui.IsMatch(name) || Naa.IsMatch(name));
    }
}
