using System.Globalization;
using System.Text.RegularExpressions;

namespace IscsiDhcp.Lab.Tests;

/// <summary>A lease udhcpc reported.</summary>
public sealed record UdhcpcLease(string Address, string Server, int LeaseSeconds);

/// <summary>
/// The independent clients that prove each peer works: libiscsi's tools for tgtd,
/// busybox udhcpc for dnsmasq and kea.
/// </summary>
public static partial class ReferenceClients
{
    /// <summary>A libiscsi URL: iscsi://[user%secret@]host:port/target/lun.</summary>
    public static string IscsiUrl(string portal, string? target = null, int? lun = null, string? user = null, string? secret = null)
    {
        var credentials = user is null ? "" : $"{user}%{secret}@";
        var path = target is null ? "" : $"/{target}/{lun ?? 0}";
        return $"iscsi://{credentials}{portal}{path}";
    }

    public static CommandResult IscsiInq(string url) => CommandRunner.Run("iscsi-inq", [url], TimeSpan.FromSeconds(30));

    /// <summary>iscsi-ls -s: the targets of a portal and the LUNs of each.</summary>
    public static CommandResult IscsiLs(string url) => CommandRunner.Run("iscsi-ls", ["-s", url], TimeSpan.FromSeconds(30));

    /// <summary>The LUN's size in bytes (READ CAPACITY(16)).</summary>
    public static long ReadCapacity(string url)
    {
        var result = CommandRunner.Run("iscsi-readcapacity16", ["-s", url], TimeSpan.FromSeconds(30));
        if (!result.Succeeded) throw new LabException(result.ToString());
        return long.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Runs udhcpc once on an interface (-q: quit after the lease; -n: fail if none), with a
    /// script that configures nothing, and returns the lease it reports.
    /// </summary>
    public static UdhcpcLease Udhcpc(string interfaceName)
    {
        var result = CommandRunner.Run("udhcpc",
            ["-i", interfaceName, "-f", "-q", "-n", "-t", "6", "-T", "2", "-A", "1", "-s", "/bin/true"], TimeSpan.FromSeconds(60));
        var text = result.StandardOutput + result.StandardError;
        var match = LeaseLine().Match(text);
        if (!result.Succeeded || !match.Success) throw new LabException($"udhcpc got no lease: {result}");
        return new UdhcpcLease(match.Groups[1].Value, match.Groups[2].Value,
            int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"lease of ([\d.]+) obtained from ([\d.]+), lease time (\d+)")]
    private static partial Regex LeaseLine();
}
