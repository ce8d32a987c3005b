namespace IscsiDhcp.Lab.Dhcp;

/// <summary>One UDP datagram as tcpdump printed it.</summary>
public sealed record CapturedDatagram(string Source, int SourcePort, string Destination, int DestinationPort, string Summary);
