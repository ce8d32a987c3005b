using System.Text.RegularExpressions;

namespace IscsiDhcp.Lab.Dhcp;

/// <summary>
/// tcpdump on the server's end of a test network, to see what the client put on the wire
/// (addresses the kernel chooses are invisible from the client's side). Runs as a lab
/// process, so the run's teardown stops it.
/// </summary>
public sealed class PacketCapture
{
    static readonly Regex UdpLine = new(@" IP (?<src>\d+\.\d+\.\d+\.\d+)\.(?<sport>\d+) > (?<dst>\d+\.\d+\.\d+\.\d+)\.(?<dport>\d+): (?<rest>.*)$", RegexOptions.Multiline);
    readonly LabProcess tcpdump;

    PacketCapture(LabProcess tcpdump) => this.tcpdump = tcpdump;

    /// <summary>Captures UDP to port 67 (what DHCP clients send) on the server's interface.</summary>
    public static PacketCapture DhcpToServer(LabRun run, DhcpTestNetwork network)
    {
        var tcpdump = run.StartProcess("tcpdump", "tcpdump",
            new[] { "-n", "-l", "-i", network.ServerInterface, "udp", "dst", "port", "67" }, network.Netns);
        tcpdump.WaitUntil(() => tcpdump.ReadLog().Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "listening");
        return new PacketCapture(tcpdump);
    }

    /// <summary>Captures ARP on the server's interface, with link addresses and times (-e -tt).</summary>
    public static PacketCapture ArpOnLink(LabRun run, DhcpTestNetwork network)
    {
        var tcpdump = run.StartProcess("tcpdump-arp", "tcpdump",
            new[] { "-n", "-e", "-tt", "-l", "-i", network.ServerInterface, "arp" }, network.Netns);
        tcpdump.WaitUntil(() => tcpdump.ReadLog().Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "listening");
        return new PacketCapture(tcpdump);
    }

    static readonly Regex ArpLine = new(@"^(?<time>\d+\.\d+) (?<mac>[0-9a-f:]{17}) > [0-9a-f:]{17}, ethertype ARP \(0x0806\), length \d+: (?<what>.*?), length \d+$", RegexOptions.Multiline);

    /// <summary>The ARP packets captured so far: when (tcpdump's clock, seconds), the source MAC, and tcpdump's description.</summary>
    public IReadOnlyList<(double Time, string SourceMac, string What)> ArpPackets() =>
        ArpLine.Matches(tcpdump.ReadLog())
            .Select(m => (double.Parse(m.Groups["time"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["mac"].Value, m.Groups["what"].Value))
            .ToList();

    /// <summary>The UDP datagrams captured so far: source and destination address and port.</summary>
    public IReadOnlyList<CapturedDatagram> Datagrams() =>
        UdpLine.Matches(tcpdump.ReadLog())
            .Select(m => new CapturedDatagram(m.Groups["src"].Value, int.Parse(m.Groups["sport"].Value, System.Globalization.CultureInfo.InvariantCulture),
                m.Groups["dst"].Value, int.Parse(m.Groups["dport"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["rest"].Value))
            .ToList();
}
