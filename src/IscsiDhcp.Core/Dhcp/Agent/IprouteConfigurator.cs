using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// Linux interface configuration through iproute2's <c>ip</c>. Chosen over raw rtnetlink
    /// because <c>ip</c> is on every Linux system, its commands are the documented interface
    /// administrators already read, its errors are plain text we can pass on, and the
    /// alternative is hand-encoding netlink messages for a handful of calls per lease.
    /// The address gets the lease's lifetimes, so the kernel drops it at expiry even if we
    /// are gone; routes come from option 121 when present (RFC 3442), else from option 3.
    /// </summary>
    public sealed class IprouteConfigurator : IInterfaceConfigurator
    {
        readonly TimeProvider time;

        public IprouteConfigurator(TimeProvider? time = null)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                throw new DhcpAgentException(DhcpAgentError.NotSupported, "configuring interfaces is supported on Linux only for now");
            this.time = time ?? TimeProvider.System;
        }

        public void Apply(string interfaceName, DhcpLease lease)
        {
            var lifetime = lease.ExpiresAt is { } expires
                ? Math.Max(1, (long)(expires - time.GetUtcNow()).TotalSeconds).ToString(CultureInfo.InvariantCulture)
                : "forever";
            Ip("addr", "replace", $"{lease.Address}/{lease.PrefixLength}", "dev", interfaceName, "valid_lft", lifetime, "preferred_lft", lifetime);
            foreach (var route in lease.Routes)
            {
                var destination = $"{route.Destination}/{route.PrefixLength}";
                if (route.Router.Equals(System.Net.IPAddress.Any)) Ip("route", "replace", destination, "dev", interfaceName);
                else Ip("route", "replace", destination, "via", route.Router.ToString(), "dev", interfaceName);
            }
        }

        public void Remove(string interfaceName, DhcpLease lease)
        {
            foreach (var route in lease.Routes)
                Ip(allowFailure: true, "route", "del", $"{route.Destination}/{route.PrefixLength}", "dev", interfaceName);
            Ip(allowFailure: true, "addr", "del", $"{lease.Address}/{lease.PrefixLength}", "dev", interfaceName);
        }

        static void Ip(params string[] arguments) => Ip(false, arguments);

        static void Ip(bool allowFailure, params string[] arguments)
        {
            var start = new ProcessStartInfo("ip", string.Join(" ", arguments))
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start) ?? throw new DhcpAgentException(DhcpAgentError.NotSupported, "cannot run ip (iproute2)");
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && !allowFailure)
                throw new DhcpAgentException(error.IndexOf("Operation not permitted", StringComparison.Ordinal) >= 0 ? DhcpAgentError.Permission : DhcpAgentError.FailedInterface,
                    $"ip {string.Join(" ", arguments)}: {error.Trim()}");
        }
    }
}
