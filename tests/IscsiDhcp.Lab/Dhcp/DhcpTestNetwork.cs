using System.Globalization;
using System.Text.Json;

namespace IscsiDhcp.Lab.Dhcp;

/// <summary>
/// A small network for DHCP tests: a namespace holding a real DHCP server on one end
/// of a veth pair; the other end (<see cref="ClientInterface"/>) stays in the test's
/// namespace, unconfigured, for the client under test. Addresses come from
/// 198.18.0.0/15, RFC 2544's benchmarking range, a /24 per network.
/// </summary>
public sealed class DhcpTestNetwork
{
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    DhcpTestNetwork(DhcpNetworkOptions options, string netns, string clientInterface, string serverInterface,
        string prefix, LabProcess server, string leaseFile)
    {
        Options = options;
        Netns = netns;
        ClientInterface = clientInterface;
        ServerInterface = serverInterface;
        Prefix = prefix;
        Server = server;
        LeaseFile = leaseFile;
    }

    public DhcpNetworkOptions Options { get; }
    public string Netns { get; }
    /// <summary>The veth end in the test's namespace, where a client runs.</summary>
    public string ClientInterface { get; }
    /// <summary>The veth end inside <see cref="Netns"/>, where the server listens.</summary>
    public string ServerInterface { get; }
    /// <summary>The /24's first three octets, e.g. "198.18.7".</summary>
    public string Prefix { get; }
    public string ServerAddress => $"{Prefix}.1";
    public const string SubnetMask = "255.255.255.0";
    public string RangeFirstAddress => $"{Prefix}.{Options.RangeFirst}";
    public string RangeLastAddress => $"{Prefix}.{Options.RangeLast}";
    public LabProcess Server { get; }
    /// <summary>The server's lease database (dnsmasq's lease file, kea's memfile CSV).</summary>
    public string LeaseFile { get; }
    public string ClientMacAddress => File.ReadAllText($"/sys/class/net/{ClientInterface}/address").Trim();

    public string ReadServerLog() => Server.ReadLog();

    /// <summary>
    /// Puts a leased address on the client end, as a configuring client would: renewals
    /// are unicast from it, and servers answer a client with ciaddr set at that address.
    /// The address goes away with the link.
    /// </summary>
    public void ConfigureClientAddress(string address, int prefixLength) =>
        CommandRunner.Check("ip", "addr", "replace", $"{address}/{prefixLength}", "dev", ClientInterface);
    public string ReadLeases() => File.Exists(LeaseFile) ? File.ReadAllText(LeaseFile) : "";

    /// <summary>Whether host number <paramref name="address"/> lies in the range the server hands out.</summary>
    public bool InRange(string address)
    {
        if (!address.StartsWith(Prefix + ".", StringComparison.Ordinal)) return false;
        var host = int.Parse(address[(Prefix.Length + 1)..], CultureInfo.InvariantCulture);
        return host >= Options.RangeFirst && host <= Options.RangeLast;
    }

    /// <summary>Whether <paramref name="interfaceName"/> is a client or server end of a lab run's DHCP link (named below).</summary>
    public static bool IsLinkName(string interfaceName) => LinkName.IsMatch(interfaceName);

    // "il", the run's id, a number (LabRun.NewName), and the side: c or s.
    static readonly System.Text.RegularExpressions.Regex LinkName = new("^il[0-9a-f]{6}[0-9]+[cs]$");

    public static DhcpTestNetwork Create(LabRun run, DhcpNetworkOptions options)
    {
        options.Validate();
        var pair = run.NewName("il");
        var netns = $"idlab-{pair}";
        var client = pair + "c";
        var server = pair + "s";
        var prefix = run.ReserveSubnet();

        run.Record(LabResourceKind.Netns, netns);
        CommandRunner.Check("ip", "netns", "add", netns);
        run.Record(LabResourceKind.Link, client);
        CommandRunner.Check("ip", "link", "add", client, "type", "veth", "peer", "name", server, "netns", netns);
        // No IPv6 on the client end: router solicitations would only add noise to the server logs.
        var ipv6 = $"/proc/sys/net/ipv6/conf/{client}/disable_ipv6";
        if (File.Exists(ipv6)) File.WriteAllText(ipv6, "1");
        CommandRunner.Check("ip", "link", "set", client, "up");
        CommandRunner.Check("ip", "-n", netns, "link", "set", "lo", "up");
        CommandRunner.Check("ip", "-n", netns, "addr", "add", $"{prefix}.1/24", "dev", server);
        CommandRunner.Check("ip", "-n", netns, "link", "set", server, "up");

        var clientMac = File.ReadAllText($"/sys/class/net/{client}/address").Trim();
        var (process, leaseFile) = options.Server switch
        {
            DhcpServerKind.Dnsmasq => StartDnsmasq(run, options, netns, server, prefix, clientMac),
            DhcpServerKind.Kea => StartKea(run, options, netns, server, prefix, clientMac),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Server, "unknown DHCP server"),
        };
        return new DhcpTestNetwork(options, netns, client, server, prefix, process, leaseFile);
    }

    static (LabProcess, string) StartDnsmasq(LabRun run, DhcpNetworkOptions o, string netns, string iface, string prefix, string clientMac)
    {
        var leases = Path.Combine(run.Directory, $"{iface}-dnsmasq.leases");
        var seconds = ((int)o.LeaseTime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--port=0",
            "--user=root", "--bind-interfaces", $"--interface={iface}",
            $"--dhcp-range={prefix}.{o.RangeFirst},{prefix}.{o.RangeLast},255.255.255.0,{seconds}s",
            $"--dhcp-option=option:router,{prefix}.1",
            $"--dhcp-leasefile={leases}", $"--pid-file={Path.Combine(run.Directory, iface + "-dnsmasq.pid")}",
            "--log-dhcp", "--log-facility=-",
        };
        if (o.Authoritative) args.Add("--dhcp-authoritative");
        if (o.ReservedHost is { } reserved)
        {
            args.Add($"--dhcp-host={clientMac},{prefix}.{reserved}");
            args.Add("--no-ping");
        }
        var process = run.StartProcess($"{iface}-dnsmasq", "dnsmasq", args, netns);
        process.WaitUntil(() => process.ReadLog().Contains("DHCP, IP range", StringComparison.Ordinal), ReadyTimeout, "serving DHCP");
        return (process, leases);
    }

    static (LabProcess, string) StartKea(LabRun run, DhcpNetworkOptions o, string netns, string iface, string prefix, string clientMac)
    {
        var leases = Path.Combine(run.Directory, $"{iface}-kea-leases4.csv");
        var lifetime = (long)o.LeaseTime.TotalSeconds;
        var config = new Dictionary<string, object>
        {
            ["Dhcp4"] = new Dictionary<string, object>
            {
                ["interfaces-config"] = new Dictionary<string, object> { ["interfaces"] = new[] { iface }, ["dhcp-socket-type"] = "raw" },
                ["lease-database"] = new Dictionary<string, object> { ["type"] = "memfile", ["name"] = leases, ["lfc-interval"] = 0 },
                ["valid-lifetime"] = lifetime,
                ["renew-timer"] = lifetime / 2,
                ["rebind-timer"] = lifetime * 7 / 8,
                ["authoritative"] = o.Authoritative,
                ["subnet4"] = new[]
                {
                    new Dictionary<string, object>
                    {
                        ["id"] = 1,
                        ["subnet"] = $"{prefix}.0/24",
                        ["pools"] = new[] { new Dictionary<string, object> { ["pool"] = $"{prefix}.{o.RangeFirst} - {prefix}.{o.RangeLast}" } },
                        ["option-data"] = new[] { new Dictionary<string, object> { ["name"] = "routers", ["data"] = $"{prefix}.1" } },
                        ["reservations"] = o.ReservedHost is { } reserved
                            ? new[] { new Dictionary<string, object> { ["hw-address"] = clientMac, ["ip-address"] = $"{prefix}.{reserved}" } }
                            : Array.Empty<Dictionary<string, object>>(),
                    },
                },
                ["loggers"] = new[]
                {
                    new Dictionary<string, object>
                    {
                        ["name"] = "kea-dhcp4",
                        ["output_options"] = new[] { new Dictionary<string, object> { ["output"] = "stderr" } },
                        ["severity"] = "INFO",
                    },
                },
            },
        };
        var configPath = Path.Combine(run.Directory, $"{iface}-kea-dhcp4.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(config, LabEnvironment.SummaryJson));
        var environment = new Dictionary<string, string>
        {
            ["KEA_PIDFILE_DIR"] = run.Directory,
            ["KEA_LOCKFILE_DIR"] = run.Directory,
        };
        var process = run.StartProcess($"{iface}-kea", "kea-dhcp4", ["-c", configPath], netns, environment);
        process.WaitUntil(() => process.ReadLog().Contains("DHCP4_STARTED", StringComparison.Ordinal), ReadyTimeout, "serving DHCP");
        return (process, leases);
    }
}
