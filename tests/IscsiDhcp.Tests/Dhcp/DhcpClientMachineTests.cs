using System.Net;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Tests.Dhcp;

/// <summary>The client state machine on a made-up clock: every transition, every retransmission interval.</summary>
public sealed class DhcpClientMachineTests
{
    static readonly byte[] Mac = [2, 0, 0, 0, 0, 7];
    static readonly DhcpClientIdentity Identity = new(Mac);
    static readonly IPAddress Server = IPAddress.Parse("198.18.5.1");
    static readonly IPAddress Address = IPAddress.Parse("198.18.5.20");
    static readonly DateTimeOffset T0 = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    // Without conflict detection: an ACK binds at once (probing has tests of its own, DhcpClientConflictDetectionTests).
    static DhcpClientMachine NewMachine(DhcpClientOptions? options = null) =>
        new(Identity, options ?? new DhcpClientOptions { StartDelayMax = TimeSpan.Zero, ConflictDetection = false }, new Random(5));

    static DhcpMessage Reply(DhcpClientMachine m, DhcpMessageType type, uint lease = 100, IPAddress? server = null, uint? t1 = null, uint? t2 = null)
    {
        var reply = new DhcpMessage { Op = DhcpMessage.BootReply, TransactionId = m.TransactionId, YourAddress = Address, HardwareLength = 6 };
        Mac.CopyTo(reply.ClientHardwareAddress, 0);
        reply.Set(DhcpOptionCode.MessageType, [(byte)type]);
        reply.Set(DhcpOptionCode.ServerIdentifier, (server ?? Server).GetAddressBytes());
        reply.Set(DhcpOptionCode.LeaseTime, BE(lease));
        if (t1 is { } renew) reply.Set(DhcpOptionCode.RenewalTime, BE(renew));
        if (t2 is { } rebind) reply.Set(DhcpOptionCode.RebindingTime, BE(rebind));
        reply.Set(DhcpOptionCode.SubnetMask, [255, 255, 255, 0]);
        return reply;
    }

    static byte[] BE(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    static DhcpClientMachine Bound(uint lease = 100, uint? t1 = null, uint? t2 = null)
    {
        var m = NewMachine();
        m.Start(T0);
        m.OnTimer(T0);
        m.OnReply(Reply(m, DhcpMessageType.Offer), T0);
        m.OnReply(Reply(m, DhcpMessageType.Ack, lease, t1: t1, t2: t2), T0);
        Assert.Equal(DhcpClientState.Bound, m.State);
        return m;
    }

    [Fact]
    public void Selecting_retransmits_the_discover_at_4_8_16_32_64_and_64_seconds_within_a_second()
    {
        var m = NewMachine();
        m.Start(T0);
        var now = T0;
        var sends = m.OnTimer(now);
        Assert.Equal(DhcpMessageType.Discover, Assert.Single(sends).Message!.MessageType);
        Assert.Equal(IPAddress.Broadcast, sends[0].Destination);
        var xid = m.TransactionId;
        foreach (var expected in new[] { 4, 8, 16, 32, 64, 64 })
        {
            var wait = m.NextTimer!.Value - now;
            Assert.InRange(wait.TotalSeconds, expected - 1, expected + 1);
            now = m.NextTimer.Value;
            Assert.Equal(DhcpMessageType.Discover, Assert.Single(m.OnTimer(now)).Message!.MessageType);
        }
        Assert.Equal(xid, m.TransactionId);   // retransmissions keep the transaction
    }

    [Fact]
    public void The_first_offer_is_requested_and_the_ack_binds_with_T1_and_T2_defaults()
    {
        var m = NewMachine();
        m.Start(T0);
        m.OnTimer(T0);
        var request = Assert.Single(m.OnReply(Reply(m, DhcpMessageType.Offer), T0)).Message!;
        Assert.Equal(DhcpMessageType.Request, request.MessageType);
        Assert.Equal(Server.GetAddressBytes(), request.Get(DhcpOptionCode.ServerIdentifier));
        Assert.Equal(DhcpClientState.Requesting, m.State);

        var events = m.OnReply(Reply(m, DhcpMessageType.Ack, 1000), T0);
        Assert.Equal(DhcpLeaseEventKind.Bound, Assert.Single(events).EventKind);
        Assert.Equal(Address, m.Lease!.Address);
        Assert.Equal(T0.AddSeconds(500), m.Lease.RenewAt);
        Assert.Equal(T0.AddSeconds(875), m.Lease.RebindAt);
        Assert.Equal(T0.AddSeconds(1000), m.Lease.ExpiresAt);
        Assert.Equal(m.Lease.RenewAt, m.NextTimer);
        Assert.Equal(24, m.Lease.PrefixLength);
    }

    [Fact]
    public void Renewing_unicasts_to_the_server_rebinding_broadcasts_and_expiry_starts_over()
    {
        var m = Bound(lease: 1000);
        var renew = m.OnTimer(T0.AddSeconds(500));
        Assert.Equal(DhcpClientState.Renewing, m.State);
        Assert.Contains(renew, o => o.EventKind == DhcpLeaseEventKind.Renewing);
        var unicast = Assert.Single(renew, o => o.Message is not null);
        Assert.Equal(Server, unicast.Destination);
        Assert.Equal(Address, unicast.Message!.ClientAddress);
        // Half of the 375 s to T2 is 187.5 s.
        Assert.Equal(T0.AddSeconds(687.5), m.NextTimer);

        m.OnTimer(T0.AddSeconds(687.5));
        Assert.Equal(T0.AddSeconds(781.25), m.NextTimer);   // half of 187.5 s, still more than 60
        m.OnTimer(T0.AddSeconds(781.25));
        Assert.Equal(T0.AddSeconds(841.25), m.NextTimer);   // at least 60 s
        m.OnTimer(T0.AddSeconds(841.25));
        Assert.Equal(T0.AddSeconds(875), m.NextTimer);      // but never past T2

        var rebind = m.OnTimer(T0.AddSeconds(875));
        Assert.Equal(DhcpClientState.Rebinding, m.State);
        Assert.Equal(IPAddress.Broadcast, Assert.Single(rebind, o => o.Message is not null).Destination);
        while (m.State == DhcpClientState.Rebinding) m.OnTimer(m.NextTimer!.Value);
        Assert.Equal(DhcpClientState.Init, m.State);
        Assert.Null(m.Lease);
    }

    [Fact]
    public void Without_the_address_on_the_interface_renewing_and_rebinding_ask_for_a_broadcast_answer()
    {
        // A server answers a REQUEST with ciaddr set by unicast to ciaddr, which an interface
        // without the address never receives (nobody even answers the server's ARP for it).
        var m = Bound(lease: 1000);
        m.HoldsAddress = _ => false;
        var renew = Assert.Single(m.Extend(T0.AddSeconds(10)), o => o.Message is not null);
        Assert.Equal(DhcpClientState.Renewing, m.State);
        Assert.Equal(IPAddress.Broadcast, renew.Destination);
        Assert.Equal(IPAddress.Any, renew.Message!.ClientAddress);
        Assert.True(renew.Message.Broadcast);
        Assert.Equal(Address.GetAddressBytes(), renew.Message.Get(DhcpOptionCode.RequestedIpAddress));
        Assert.Null(renew.Message.Get(DhcpOptionCode.ServerIdentifier));
        Assert.Equal(DhcpLeaseEventKind.Extended, Assert.Single(m.OnReply(Reply(m, DhcpMessageType.Ack, 1000), T0.AddSeconds(11))).EventKind);
        Assert.Equal(T0.AddSeconds(1011), m.Lease!.ExpiresAt);

        var rebind = m.OnTimer(m.Lease.RebindAt!.Value).Last(o => o.Message is not null);   // renewing, then at once rebinding
        Assert.Equal(DhcpClientState.Rebinding, m.State);
        Assert.Equal(IPAddress.Any, rebind.Message!.ClientAddress);
        Assert.True(rebind.Message.Broadcast);

        // With the address on the interface, the RFC's form: ciaddr set, unicast while renewing.
        var held = Bound(lease: 1000);
        held.HoldsAddress = a => a.Equals(Address);
        var unicast = Assert.Single(held.Extend(T0.AddSeconds(10)), o => o.Message is not null);
        Assert.Equal(Server, unicast.Destination);
        Assert.Equal(Address, unicast.Message!.ClientAddress);
        Assert.Null(unicast.Message.Get(DhcpOptionCode.RequestedIpAddress));
    }

    [Fact]
    public void A_renewal_ack_extends_and_keeps_the_original_ack()
    {
        var m = Bound(lease: 1000);
        var original = m.Lease!.Ack;
        m.OnTimer(T0.AddSeconds(500));
        var renewal = Reply(m, DhcpMessageType.Ack, 2000);
        renewal.Remove(DhcpOptionCode.SubnetMask);
        var events = m.OnReply(renewal, T0.AddSeconds(501));
        Assert.Equal(DhcpLeaseEventKind.Extended, Assert.Single(events).EventKind);
        Assert.Same(original, m.Lease!.OriginalAck);
        Assert.Equal(T0.AddSeconds(2501), m.Lease.ExpiresAt);
        Assert.Equal(24, m.Lease.PrefixLength);   // from the original ACK
    }

    [Fact]
    public void While_renewing_only_our_server_may_answer()
    {
        var m = Bound(lease: 1000);
        m.OnTimer(T0.AddSeconds(500));
        Assert.Empty(m.OnReply(Reply(m, DhcpMessageType.Ack, 1000, server: IPAddress.Parse("198.18.5.99")), T0.AddSeconds(501)));
        Assert.Equal(DhcpClientState.Renewing, m.State);
        Assert.Equal(1, m.BadPackets);
    }

    [Fact]
    public void Replies_for_other_transactions_clients_or_directions_are_counted_and_ignored()
    {
        var m = NewMachine();
        m.Start(T0);
        m.OnTimer(T0);
        var otherXid = Reply(m, DhcpMessageType.Offer);
        otherXid.TransactionId++;
        var otherMac = Reply(m, DhcpMessageType.Offer);
        otherMac.ClientHardwareAddress[5] = 9;
        var request = Reply(m, DhcpMessageType.Offer);
        request.Op = DhcpMessage.BootRequest;
        var ack = Reply(m, DhcpMessageType.Ack);   // an ACK while selecting
        foreach (var bad in new[] { otherXid, otherMac, request, ack }) Assert.Empty(m.OnReply(bad, T0));
        Assert.Equal(4, m.BadPackets);
        Assert.Equal(DhcpClientState.Selecting, m.State);
    }

    [Fact]
    public void A_malformed_option_is_counted_and_the_rest_of_the_reply_used()
    {
        var m = NewMachine();
        m.Start(T0);
        m.OnTimer(T0);
        m.OnReply(Reply(m, DhcpMessageType.Offer), T0);
        var ack = Reply(m, DhcpMessageType.Ack, 1000);
        ack.Set(DhcpOptionCode.Router, [198, 18, 5]);   // three bytes: not an address
        m.OnReply(ack, T0);
        Assert.Equal(DhcpClientState.Bound, m.State);
        Assert.Equal(1, m.BadOptions);
        Assert.Empty(m.Lease!.Routers);
        Assert.Equal(24, m.Lease.PrefixLength);
    }

    [Fact]
    public void A_NAK_while_requesting_backs_off_then_starts_over()
    {
        var m = NewMachine();
        m.Start(T0);
        m.OnTimer(T0);
        m.OnReply(Reply(m, DhcpMessageType.Offer), T0);
        var events = m.OnReply(Reply(m, DhcpMessageType.Nak), T0);
        Assert.Equal(DhcpLeaseEventKind.Nak, Assert.Single(events).EventKind);
        Assert.Equal(DhcpClientState.Init, m.State);
        Assert.Equal(T0.AddSeconds(2), m.NextTimer);
    }

    [Fact]
    public void InitReboot_asks_for_the_stored_address_without_a_server_id()
    {
        var stored = Bound(lease: 86400).Lease!;
        var m = NewMachine();
        var sent = Assert.Single(m.Start(T0.AddSeconds(10), stored)).Message!;
        Assert.Equal(DhcpClientState.InitReboot, m.State);
        Assert.Equal(Address.GetAddressBytes(), sent.Get(DhcpOptionCode.RequestedIpAddress));
        Assert.Null(sent.Get(DhcpOptionCode.ServerIdentifier));
        Assert.Equal(IPAddress.Any, sent.ClientAddress);
        m.OnReply(Reply(m, DhcpMessageType.Ack, 86400), T0.AddSeconds(11));
        Assert.Equal(DhcpClientState.Bound, m.State);
    }

    [Fact]
    public void InitReboot_goes_to_Init_on_a_NAK_or_after_its_bounded_tries()
    {
        var stored = Bound(lease: 86400).Lease!;
        var nak = NewMachine();
        nak.Start(T0, stored);
        nak.OnReply(Reply(nak, DhcpMessageType.Nak), T0);
        Assert.Equal(DhcpClientState.Init, nak.State);

        var silent = NewMachine();
        silent.Start(T0, stored);
        var sends = 1;
        while (silent.State == DhcpClientState.InitReboot)
            sends += silent.OnTimer(silent.NextTimer!.Value).Count(o => o.Message is not null);
        Assert.Equal(4, sends);
        Assert.Equal(DhcpClientState.Init, silent.State);
    }

    [Fact]
    public void An_expired_stored_lease_is_not_rebooted()
    {
        var stored = Bound(lease: 100).Lease!;
        var m = NewMachine();
        m.Start(T0.AddSeconds(200), stored);
        Assert.Equal(DhcpClientState.Init, m.State);
    }

    [Theory]
    [InlineData(1000u, 0u, 0u, 500, 875)]         // absent or zero: defaults
    [InlineData(1000u, 900u, 300u, 900, 900)]     // T2 before T1: T2 follows T1
    [InlineData(1000u, 2000u, 3000u, 500, 875)]   // beyond the lease: defaults
    [InlineData(1000u, 100u, 200u, 100, 200)]     // sane values are kept
    public void Absurd_T1_and_T2_are_replaced_sanely(uint lease, uint t1, uint t2, int renew, int rebind)
    {
        var m = Bound(lease, t1 == 0 ? null : t1, t2 == 0 ? null : t2);
        Assert.Equal(T0.AddSeconds(renew), m.Lease!.RenewAt);
        Assert.Equal(T0.AddSeconds(rebind), m.Lease.RebindAt);
    }

    [Fact]
    public void An_infinite_lease_has_no_timers()
    {
        var m = Bound(lease: DhcpLease.Infinite);
        Assert.Null(m.NextTimer);
        Assert.Null(m.Lease!.ExpiresAt);
    }

    [Fact]
    public void A_week_of_renewals_runs_in_milliseconds()
    {
        var m = Bound(lease: 60);
        var now = T0;
        var renewals = 0;
        while (now < T0.AddDays(7))
        {
            now = m.NextTimer!.Value;
            m.OnTimer(now);
            Assert.Equal(DhcpClientState.Renewing, m.State);
            Assert.Equal(DhcpLeaseEventKind.Extended, Assert.Single(m.OnReply(Reply(m, DhcpMessageType.Ack, 60), now)).EventKind);
            renewals++;
        }
        Assert.Equal(7 * 24 * 3600 / 30, renewals);
        Assert.Equal(0, m.BadPackets);
    }

    [Fact]
    public void The_requested_address_policy_waits_for_the_wanted_offer()
    {
        var wanted = IPAddress.Parse("198.18.5.77");
        var m = NewMachine(new DhcpClientOptions { StartDelayMax = TimeSpan.Zero, ConflictDetection = false, OfferPolicy = OfferPolicy.RequestedAddress, RequestedAddress = wanted });
        m.Start(T0);
        var discover = Assert.Single(m.OnTimer(T0)).Message!;
        Assert.Equal(wanted.GetAddressBytes(), discover.Get(DhcpOptionCode.RequestedIpAddress));
        Assert.Empty(m.OnReply(Reply(m, DhcpMessageType.Offer), T0));                // another address: keep waiting
        var better = Reply(m, DhcpMessageType.Offer, server: IPAddress.Parse("198.18.5.2"));
        better.YourAddress = wanted;
        var request = Assert.Single(m.OnReply(better, T0.AddMilliseconds(300))).Message!;
        Assert.Equal(wanted.GetAddressBytes(), request.Get(DhcpOptionCode.RequestedIpAddress));
    }

    [Fact]
    public void Without_the_wanted_offer_the_window_closes_on_the_first()
    {
        var m = NewMachine(new DhcpClientOptions { StartDelayMax = TimeSpan.Zero, ConflictDetection = false, OfferPolicy = OfferPolicy.RequestedAddress, RequestedAddress = IPAddress.Parse("198.18.5.77") });
        m.Start(T0);
        m.OnTimer(T0);
        m.OnReply(Reply(m, DhcpMessageType.Offer), T0);
        Assert.Equal(T0.AddSeconds(1), m.NextTimer);
        var request = Assert.Single(m.OnTimer(T0.AddSeconds(1))).Message!;
        Assert.Equal(Address.GetAddressBytes(), request.Get(DhcpOptionCode.RequestedIpAddress));
    }

    [Fact]
    public void Release_unicasts_to_the_server_and_decline_waits_ten_seconds()
    {
        var m = Bound();
        var release = m.Release(T0.AddSeconds(1));
        Assert.Equal(Server, release.Single(o => o.Message is not null).Destination);
        Assert.Equal(DhcpLeaseEventKind.Released, release.Single(o => o.EventKind is not null).EventKind);
        Assert.Equal(DhcpClientState.Stopped, m.State);

        var d = Bound();
        var decline = d.Decline(T0.AddSeconds(1));
        Assert.Equal(DhcpMessageType.Decline, decline.Single(o => o.Message is not null).Message!.MessageType);
        Assert.Equal(DhcpClientState.Declining, d.State);
        Assert.Equal(T0.AddSeconds(11), d.NextTimer);
        Assert.Equal(DhcpMessageType.Discover, Assert.Single(d.OnTimer(T0.AddSeconds(11))).Message!.MessageType);
    }

    [Fact]
    public void Inform_gets_options_without_a_lease()
    {
        var m = NewMachine();
        var inform = Assert.Single(m.Inform(T0, IPAddress.Parse("198.18.5.50"))).Message!;
        Assert.Equal(DhcpMessageType.Inform, inform.MessageType);
        var ack = Reply(m, DhcpMessageType.Ack);
        ack.YourAddress = IPAddress.Any;
        Assert.Equal(DhcpLeaseEventKind.Informed, Assert.Single(m.OnReply(ack, T0)).EventKind);
        Assert.Equal(DhcpClientState.Information, m.State);
        Assert.Null(m.NextTimer);
        Assert.Null(m.Lease!.ExpiresAt);
    }
}
