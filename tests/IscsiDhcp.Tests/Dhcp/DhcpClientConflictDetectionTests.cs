using System.Net;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Link;

namespace IscsiDhcp.Tests.Dhcp;

/// <summary>RFC 5227 in the client state machine, on a made-up clock: probing, declining, announcing, defending.</summary>
public sealed class DhcpClientConflictDetectionTests
{
    static readonly byte[] Mac = [2, 0, 0, 0, 0, 7];
    static readonly byte[] OtherMac = [2, 0, 0, 0, 0, 99];
    static readonly DhcpClientIdentity Identity = new(Mac);
    static readonly IPAddress Server = IPAddress.Parse("198.18.5.1");
    static readonly IPAddress Address = IPAddress.Parse("198.18.5.20");
    static readonly DateTimeOffset T0 = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    static DhcpClientMachine NewMachine(int seed = 5) =>
        new(Identity, new DhcpClientOptions { StartDelayMax = TimeSpan.Zero }, new Random(seed)) { HoldsAddress = _ => true };

    static DhcpMessage Reply(DhcpClientMachine m, DhcpMessageType type, IPAddress? address = null)
    {
        var reply = new DhcpMessage { Op = DhcpMessage.BootReply, TransactionId = m.TransactionId, YourAddress = address ?? Address, HardwareLength = 6 };
        Mac.CopyTo(reply.ClientHardwareAddress, 0);
        reply.Set(DhcpOptionCode.MessageType, [(byte)type]);
        reply.Set(DhcpOptionCode.ServerIdentifier, Server.GetAddressBytes());
        reply.Set(DhcpOptionCode.LeaseTime, [0, 0, 0x0E, 0x10]);   // 3600 s
        reply.Set(DhcpOptionCode.SubnetMask, [255, 255, 255, 0]);
        return reply;
    }

    /// <summary>Start, DISCOVER, OFFER, REQUEST, ACK: the machine is probing; returns the ACK's outputs.</summary>
    static List<DhcpOutput> Acked(DhcpClientMachine m, DateTimeOffset now, IPAddress? address = null)
    {
        m.Start(now);
        m.OnTimer(now);
        m.OnReply(Reply(m, DhcpMessageType.Offer, address), now);
        return m.OnReply(Reply(m, DhcpMessageType.Ack, address), now);
    }

    /// <summary>Runs the timers until the machine leaves Probing; returns (time, ARP packet) of each probe and the time it ended.</summary>
    static (List<(DateTimeOffset At, ArpPacket Packet)> Probes, DateTimeOffset End, List<DhcpOutput> Last) ProbeToEnd(DhcpClientMachine m)
    {
        var probes = new List<(DateTimeOffset, ArpPacket)>();
        while (true)
        {
            var at = m.NextTimer!.Value;
            var outputs = m.OnTimer(at);
            foreach (var o in outputs.Where(o => o.ArpPacket is not null)) probes.Add((at, o.ArpPacket!));
            if (m.State != DhcpClientState.Probing) return (probes, at, outputs);
        }
    }

    static ArpPacket Parsed(ArpPacket packet)
    {
        Assert.True(ArpPacket.TryParse(packet.ToArray(), out var parsed));
        return parsed!;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void An_acked_address_is_probed_three_times_within_RFC_5227s_bounds_before_it_is_bound(int seed)
    {
        var m = NewMachine(seed);
        var acked = Acked(m, T0);
        Assert.Equal(DhcpClientState.Probing, m.State);
        var probing = Assert.Single(acked, o => o.EventKind is not null);
        Assert.Equal(DhcpLeaseEventKind.Probing, probing.EventKind);
        Assert.Equal(Address, probing.After!.Address);
        Assert.InRange(m.NextTimer!.Value - T0, TimeSpan.Zero, AddressConflictDetection.ProbeWait);

        var (probes, end, last) = ProbeToEnd(m);
        Assert.Equal(3, probes.Count);
        foreach (var (_, probe) in probes)
        {
            var wire = Parsed(probe);
            Assert.Equal(ArpPacket.RequestOperation, wire.Operation);
            Assert.Equal(Mac, wire.SenderMac);
            Assert.Equal(IPAddress.Any, wire.SenderAddress);      // a probe claims no address
            Assert.Equal(new byte[6], wire.TargetMac);
            Assert.Equal(Address, wire.TargetAddress);
        }
        for (var i = 1; i < probes.Count; i++)
            Assert.InRange(probes[i].At - probes[i - 1].At, AddressConflictDetection.ProbeMin, AddressConflictDetection.ProbeMax);
        Assert.Equal(AddressConflictDetection.AnnounceWait, end - probes[^1].At);
        Assert.Equal(DhcpClientState.Bound, m.State);
        Assert.Equal(DhcpLeaseEventKind.Bound, Assert.Single(last).EventKind);
        Assert.Equal(3, m.ProbesSent);
        Assert.Equal(0, m.Conflicts);
        // The renewal timer runs from the ACK, not from the end of probing.
        Assert.Equal(T0.AddSeconds(1800), m.NextTimer);
    }

    [Fact]
    public void A_reply_from_another_host_while_probing_declines_the_address_and_waits_ten_seconds()
    {
        var m = NewMachine();
        Acked(m, T0);
        var at = m.NextTimer!.Value;
        m.OnTimer(at);                                  // the first probe
        var reply = ArpReply(OtherMac, Address, Mac);
        var outputs = m.OnArp(reply, at.AddMilliseconds(2));

        var decline = Assert.Single(outputs, o => o.Message is not null);
        Assert.Equal(DhcpMessageType.Decline, decline.Message!.MessageType);
        Assert.Equal(Address.GetAddressBytes(), decline.Message.Get(DhcpOptionCode.RequestedIpAddress));
        Assert.Equal(Server.GetAddressBytes(), decline.Message.Get(DhcpOptionCode.ServerIdentifier));
        var declined = Assert.Single(outputs, o => o.EventKind is not null);
        Assert.Equal(DhcpLeaseEventKind.Declined, declined.EventKind);
        Assert.Equal(Address, declined.Conflict!.Address);
        Assert.Equal("02:00:00:00:00:63", declined.Conflict.HardwareAddress);
        Assert.Equal(DhcpClientState.Declining, m.State);
        Assert.Null(m.Lease);
        Assert.Equal(at.AddMilliseconds(2).AddSeconds(10), m.NextTimer);
        Assert.Equal((1, 1), (m.Conflicts, m.Declines));
        Assert.Equal(declined.Conflict, m.LastConflict);

        // After the wait it starts over with a DISCOVER, and a new address is probed afresh.
        var discover = Assert.Single(m.OnTimer(m.NextTimer.Value)).Message!;
        Assert.Equal(DhcpMessageType.Discover, discover.MessageType);
        var other = IPAddress.Parse("198.18.5.21");
        m.OnReply(Reply(m, DhcpMessageType.Offer, other), m.NextTimer.Value);
        m.OnReply(Reply(m, DhcpMessageType.Ack, other), m.NextTimer.Value);
        Assert.Equal(DhcpClientState.Probing, m.State);
        var (probes, _, _) = ProbeToEnd(m);
        Assert.Equal(3, probes.Count);
        Assert.All(probes, p => Assert.Equal(other, p.Packet.TargetAddress));
        Assert.Equal(DhcpClientState.Bound, m.State);
    }

    [Fact]
    public void Another_hosts_probe_for_the_same_address_is_a_conflict_but_other_arp_is_not()
    {
        var m = NewMachine();
        Acked(m, T0);
        var now = m.NextTimer!.Value;
        m.OnTimer(now);
        // Not conflicts: our own probe echoed, someone asking for another address, a request from a host with another address.
        Assert.Empty(m.OnArp(ArpPacket.Probe(Mac, Address), now));
        Assert.Empty(m.OnArp(ArpPacket.Probe(OtherMac, IPAddress.Parse("198.18.5.30")), now));
        Assert.Empty(m.OnArp(ArpRequest(OtherMac, IPAddress.Parse("198.18.5.30"), Address), now));
        Assert.Equal(DhcpClientState.Probing, m.State);
        // Another host probing for the very address we probe.
        var outputs = m.OnArp(ArpPacket.Probe(OtherMac, Address), now);
        Assert.Equal(DhcpLeaseEventKind.Declined, Assert.Single(outputs, o => o.EventKind is not null).EventKind);
    }

    [Fact]
    public void After_ten_conflicts_in_a_row_a_new_address_is_tried_once_a_minute()
    {
        var m = NewMachine();
        var now = T0;
        for (var conflict = 1; conflict <= AddressConflictDetection.MaxConflicts; conflict++)
        {
            if (conflict == 1) Acked(m, now);
            else
            {
                m.OnTimer(now);                                     // DISCOVER after the wait
                m.OnReply(Reply(m, DhcpMessageType.Offer), now);
                m.OnReply(Reply(m, DhcpMessageType.Ack), now);
            }
            Assert.Equal(DhcpClientState.Probing, m.State);
            m.OnArp(ArpReply(OtherMac, Address, Mac), now);
            var wait = m.NextTimer!.Value - now;
            Assert.Equal(conflict < AddressConflictDetection.MaxConflicts ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60), wait);
            now = m.NextTimer.Value;
        }
        Assert.Equal(10, m.Declines);
    }

    [Fact]
    public void A_bound_address_is_announced_twice_two_seconds_apart_when_the_runner_says_it_is_configured()
    {
        var m = NewMachine();
        Acked(m, T0);
        var (_, bound, _) = ProbeToEnd(m);
        var first = Assert.Single(m.Announce(bound)).ArpPacket!;
        var wire = Parsed(first);
        Assert.Equal((Address, Address, ArpPacket.RequestOperation), (wire.SenderAddress, wire.TargetAddress, wire.Operation));
        Assert.Equal(Mac, wire.SenderMac);
        Assert.Equal(bound + AddressConflictDetection.AnnounceInterval, m.NextTimer);
        var second = Assert.Single(m.OnTimer(m.NextTimer!.Value)).ArpPacket!;
        Assert.Equal(Address, second.SenderAddress);
        // Then the renewal timer again, untouched.
        Assert.Equal(T0.AddSeconds(1800), m.NextTimer);
        Assert.Equal(DhcpClientState.Bound, m.State);
    }

    [Fact]
    public void A_held_address_is_defended_once_and_a_second_claim_within_ten_seconds_ends_the_lease()
    {
        var m = NewMachine();
        Acked(m, T0);
        var (_, bound, _) = ProbeToEnd(m);
        var claim = ArpPacket.Announcement(OtherMac, Address);

        var defended = m.OnArp(claim, bound.AddSeconds(30));
        Assert.Equal(Address, Assert.Single(defended, o => o.ArpPacket is not null).ArpPacket!.SenderAddress);
        var defence = Assert.Single(defended, o => o.EventKind is not null);
        Assert.Equal(DhcpLeaseEventKind.Defended, defence.EventKind);
        Assert.Equal("02:00:00:00:00:63", defence.Conflict!.HardwareAddress);
        Assert.Equal(DhcpClientState.Bound, m.State);

        var ended = m.OnArp(claim, bound.AddSeconds(39));
        Assert.DoesNotContain(ended, o => o.Message is not null);       // a bound lease is not declined
        var conflict = Assert.Single(ended, o => o.EventKind is not null);
        Assert.Equal(DhcpLeaseEventKind.Conflict, conflict.EventKind);
        Assert.Equal(Address, conflict.Before!.Address);
        Assert.Null(conflict.After);
        Assert.Equal(DhcpClientState.Init, m.State);
        Assert.Null(m.Lease);
        Assert.Equal(2, m.Conflicts);
        Assert.Equal(0, m.Declines);
        Assert.Equal(DhcpMessageType.Discover, Assert.Single(m.OnTimer(m.NextTimer!.Value)).Message!.MessageType);
    }

    [Fact]
    public void Claims_ten_seconds_apart_are_each_defended()
    {
        var m = NewMachine();
        Acked(m, T0);
        var (_, bound, _) = ProbeToEnd(m);
        var claim = ArpPacket.Announcement(OtherMac, Address);
        Assert.Contains(m.OnArp(claim, bound.AddSeconds(30)), o => o.EventKind == DhcpLeaseEventKind.Defended);
        Assert.Contains(m.OnArp(claim, bound.AddSeconds(40)), o => o.EventKind == DhcpLeaseEventKind.Defended);
        Assert.Equal(DhcpClientState.Bound, m.State);
    }

    [Fact]
    public void A_claim_on_an_address_the_interface_does_not_hold_is_not_defended()
    {
        var m = NewMachine();
        m.HoldsAddress = _ => false;   // a lease obtained without -Configure
        Acked(m, T0);
        var (_, bound, _) = ProbeToEnd(m);
        Assert.Empty(m.OnArp(ArpPacket.Announcement(OtherMac, Address), bound.AddSeconds(1)));
        Assert.Equal(0, m.Conflicts);
    }

    [Fact]
    public void Without_conflict_detection_an_ack_binds_at_once_and_arp_is_ignored()
    {
        var m = new DhcpClientMachine(Identity, new DhcpClientOptions { StartDelayMax = TimeSpan.Zero, ConflictDetection = false });
        var outputs = Acked(m, T0);
        Assert.Equal(DhcpLeaseEventKind.Bound, Assert.Single(outputs).EventKind);
        Assert.Empty(m.OnArp(ArpPacket.Announcement(OtherMac, Address), T0.AddSeconds(1)));
        Assert.Empty(m.Announce(T0.AddSeconds(1)));
        Assert.False(m.ConflictDetection);
    }

    [Fact]
    public void Init_reboot_probes_the_stored_address_too()
    {
        var m = NewMachine();
        var stored = DhcpLease.FromAck(Reply(m, DhcpMessageType.Ack), T0);
        m.Start(T0.AddSeconds(5), stored);
        var outputs = m.OnReply(Reply(m, DhcpMessageType.Ack), T0.AddSeconds(5));
        Assert.Equal(DhcpLeaseEventKind.Probing, Assert.Single(outputs).EventKind);
        Assert.Equal(DhcpClientState.Probing, m.State);
    }

    static ArpPacket ArpReply(byte[] senderMac, IPAddress sender, byte[] targetMac)
    {
        var bytes = ArpPacket.Announcement(senderMac, sender).ToArray();
        bytes[7] = (byte)ArpPacket.ReplyOperation;
        targetMac.CopyTo(bytes, 18);
        new byte[4].CopyTo(bytes, 24);
        Assert.True(ArpPacket.TryParse(bytes, out var reply));
        return reply!;
    }

    static ArpPacket ArpRequest(byte[] senderMac, IPAddress sender, IPAddress target)
    {
        var bytes = ArpPacket.Announcement(senderMac, sender).ToArray();
        target.GetAddressBytes().CopyTo(bytes, 24);
        Assert.True(ArpPacket.TryParse(bytes, out var request));
        return request!;
    }
}
