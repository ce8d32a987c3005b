namespace IscsiDhcp.Lab.Dhcp;

/// <summary>
/// Another host on a DHCP test network that holds an address statically, as a machine the
/// server does not know about would: a namespace of its own with a macvlan on the server's
/// link (so it has its own MAC and its own kernel, which answers ARP for the address).
/// </summary>
public sealed class StaticHost
{
    StaticHost(string netns, string interfaceName, string address, string macAddress)
    {
        Netns = netns;
        InterfaceName = interfaceName;
        Address = address;
        MacAddress = macAddress;
    }

    public string Netns { get; }
    /// <summary>The macvlan inside <see cref="Netns"/>.</summary>
    public string InterfaceName { get; }
    public string Address { get; }
    public string MacAddress { get; }

    /// <summary>Adds a host holding <c>prefix.hostNumber</c> to <paramref name="network"/>'s link.</summary>
    public static StaticHost Add(LabRun run, DhcpTestNetwork network, int hostNumber)
    {
        if (hostNumber is < 2 or > 254) throw new ArgumentOutOfRangeException(nameof(hostNumber), hostNumber, "a host number lies within .2-.254 (the server is .1)");
        var name = run.NewName("ih");
        var netns = $"idlab-{name}";
        var address = $"{network.Prefix}.{hostNumber}";
        run.Record(LabResourceKind.Netns, netns);
        CommandRunner.Check("ip", "netns", "add", netns);
        // Made in the server's namespace on its veth end, then moved: removing the namespace removes it.
        CommandRunner.Check("ip", "-n", network.Netns, "link", "add", "link", network.ServerInterface, "name", name, "type", "macvlan", "mode", "bridge");
        CommandRunner.Check("ip", "-n", network.Netns, "link", "set", name, "netns", netns);
        CommandRunner.Check("ip", "-n", netns, "addr", "add", $"{address}/24", "dev", name);
        CommandRunner.Check("ip", "-n", netns, "link", "set", name, "up");
        var mac = CommandRunner.Check("ip", "-n", netns, "-br", "link", "show", name).StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        return new StaticHost(netns, name, address, mac);
    }
}
