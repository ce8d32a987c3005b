using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using IscsiDhcp.Common;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

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
    /// <remarks>
    /// Routes are the host's, shared with whatever else configures it, so we do what DHCP
    /// daemons do: every route of a lease (and the subnet route of its address) carries a
    /// metric of its own, 200 + the interface index as dhcpcd chooses, and is marked
    /// <c>proto dhcp</c>; routes are added beside the others (<c>ip route add</c>, never
    /// <c>replace</c>, which would take over a route of the same destination), and removal
    /// names the route exactly (destination, gateway, device, metric, proto), so it can
    /// only ever delete what a lease added.
    /// </remarks>
    public sealed class IprouteConfigurator : IInterfaceConfigurator
    {
        /// <summary>dhcpcd's base metric for a wired interface; the interface index is added.</summary>
        public const int BaseMetric = 200;
        const string Protocol = "dhcp";
        static readonly string[] OnLinkScope = { "scope", "link" };
        static readonly char[] Lines = { '\n' };

        readonly TimeProvider time;

        public IprouteConfigurator(TimeProvider? time = null)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                throw new DhcpAgentException(DhcpAgentError.NotSupported, "configuring interfaces is supported on Linux only for now");
            this.time = time ?? TimeProvider.System;
        }

        /// <summary>The metric of the routes a lease on <paramref name="interfaceName"/> gets: 200 + its index.</summary>
        public static int MetricOf(string interfaceName)
        {
            try
            {
                return BaseMetric + int.Parse(File.ReadAllText($"/sys/class/net/{interfaceName}/ifindex").Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                throw new DhcpAgentException(DhcpAgentError.FailedInterface, $"{interfaceName}: cannot read the interface's index ({e.Message})");
            }
        }

        public void Apply(string interfaceName, DhcpLease lease, DhcpLease? previous)
        {
            var metric = MetricOf(interfaceName);
            if (previous is not null)
            {
                // A renewal may change the routes or (rarely) the address: what the new lease no longer has goes first.
                var sameAddress = previous.Address.Equals(lease.Address) && previous.PrefixLength == lease.PrefixLength;
                var kept = sameAddress ? new HashSet<string>(lease.Routes.Select(r => r.ToString()), StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);
                foreach (var route in previous.Routes.Where(r => !kept.Contains(r.ToString())))
                    Ip(allowFailure: true, DeleteRoute(interfaceName, previous, route, metric));
                if (!sameAddress) Ip(allowFailure: true, "addr", "del", $"{previous.Address}/{previous.PrefixLength}", "dev", interfaceName);
            }
            var lifetime = lease.ExpiresAt is { } expires
                ? Math.Max(1, (long)(expires - time.GetUtcNow()).TotalSeconds).ToString(CultureInfo.InvariantCulture)
                : "forever";
            // Our own address: replace only refreshes its lifetimes. The metric goes to its subnet route.
            Ip("addr", "replace", $"{lease.Address}/{lease.PrefixLength}", "dev", interfaceName,
                "valid_lft", lifetime, "preferred_lft", lifetime, "metric", metric.ToString(CultureInfo.InvariantCulture));
            // On-link routes first: a router may be reachable only through one of them (RFC 3442).
            foreach (var route in lease.Routes.OrderBy(r => r.Router.Equals(IPAddress.Any) ? 0 : 1))
                AddRoute(interfaceName, lease, route, metric);
        }

        public void Remove(string interfaceName, DhcpLease lease)
        {
            int metric;
            try { metric = MetricOf(interfaceName); }
            catch (DhcpAgentException) { return; }   // the interface is gone, and with it its addresses and routes
            foreach (var route in lease.Routes)
                Ip(allowFailure: true, DeleteRoute(interfaceName, lease, route, metric));
            Ip(allowFailure: true, "addr", "del", $"{lease.Address}/{lease.PrefixLength}", "dev", interfaceName);
        }

        static void AddRoute(string interfaceName, DhcpLease lease, ClasslessRoute route, int metric)
        {
            var arguments = RouteArguments("add", interfaceName, lease, route, metric);
            var (exitCode, error) = Run(arguments);
            if (exitCode == 0) return;
            // The same route already there (a renewal, or a lease dropped and taken up again) is ours already.
            if (error.IndexOf("File exists", StringComparison.Ordinal) >= 0)
            {
                if (IsPresent(interfaceName, route, metric)) return;
                throw new DhcpAgentException(DhcpAgentError.FailedInterface,
                    $"{interfaceName}: a route to {route.Destination}/{route.PrefixLength} with metric {metric} exists that this lease did not add; it is left alone and the lease's route is not added");
            }
            throw Failure(arguments, error);
        }

        static string[] DeleteRoute(string interfaceName, DhcpLease lease, ClasslessRoute route, int metric) =>
            RouteArguments("del", interfaceName, lease, route, metric);

        static string[] RouteArguments(string verb, string interfaceName, DhcpLease lease, ClasslessRoute route, int metric)
        {
            var arguments = new List<string> { "-4", "route", verb, $"{route.Destination}/{route.PrefixLength}" };
            if (route.Router.Equals(IPAddress.Any)) arguments.AddRange(OnLinkScope);
            else
            {
                arguments.AddRange(new[] { "via", route.Router.ToString() });
                // A router outside the leased subnet (RFC 3442 allows it) is reached on the link directly.
                if (verb == "add" && !InSubnet(route.Router, lease)) arguments.Add("onlink");
            }
            arguments.AddRange(new[] { "dev", interfaceName, "metric", metric.ToString(CultureInfo.InvariantCulture), "proto", Protocol });
            return arguments.ToArray();
        }

        static bool InSubnet(IPAddress address, DhcpLease lease)
        {
            var a = address.GetAddressBytes();
            var b = lease.Address.GetAddressBytes();
            for (var bit = 0; bit < lease.PrefixLength; bit++)
            {
                var mask = 0x80 >> (bit % 8);
                if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
            }
            return true;
        }

        /// <summary>Whether exactly this route (destination, gateway, device, metric, proto dhcp) is in the main table.</summary>
        static bool IsPresent(string interfaceName, ClasslessRoute route, int metric)
        {
            var (exitCode, output) = Run(new[] { "-4", "-o", "route", "show", "table", "main", "exact", $"{route.Destination}/{route.PrefixLength}",
                "dev", interfaceName, "proto", Protocol }, standardOutput: true);
            if (exitCode != 0) return false;
            var gateway = route.Router.Equals(IPAddress.Any) ? null : route.Router.ToString();
            foreach (var line in output.Split(Lines, StringSplitOptions.RemoveEmptyEntries))
            {
                var lineMetric = Regex.Match(line, @"\bmetric (\d+)");
                var lineGateway = Regex.Match(line, @"\bvia (\S+)");
                if ((lineMetric.Success ? int.Parse(lineMetric.Groups[1].Value, CultureInfo.InvariantCulture) : 0) != metric) continue;
                if ((lineGateway.Success ? lineGateway.Groups[1].Value : null) == gateway) return true;
            }
            return false;
        }

        static void Ip(params string[] arguments) => Ip(false, arguments);

        static void Ip(bool allowFailure, params string[] arguments)
        {
            var (exitCode, error) = Run(arguments);
            if (exitCode != 0 && !allowFailure) throw Failure(arguments, error);
        }

        static DhcpAgentException Failure(string[] arguments, string error) =>
            new(error.IndexOf("Operation not permitted", StringComparison.Ordinal) >= 0 ? DhcpAgentError.Permission : DhcpAgentError.FailedInterface,
                $"ip {string.Join(" ", arguments)}: {error.Trim()}");

        /// <summary>Runs ip; returns its exit code and its standard error (or output).</summary>
        static (int ExitCode, string Text) Run(string[] arguments, bool standardOutput = false)
        {
            var (exitCode, output, error) = HostTool.Run("ip", arguments);
            return (exitCode, standardOutput ? output : error);
        }
    }
}
