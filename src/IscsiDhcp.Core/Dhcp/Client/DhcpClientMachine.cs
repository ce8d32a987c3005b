using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Link;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>
    /// The RFC 2131 client state machine for one lease, without sockets or timers: each
    /// call takes the time and an event (start, timer, reply, command) and returns what to
    /// send and what happened. The runner calls <see cref="OnTimer"/> at
    /// <see cref="NextTimer"/>, so a fake clock can drive a week of renewals in milliseconds.
    /// With conflict detection on, an address from an ACK is probed with ARP before it is
    /// bound (RFC 5227 2.1: <see cref="DhcpClientState.Probing"/>), declined when another host
    /// claims it, announced once configured, and defended while held (2.4).
    /// </summary>
    public sealed class DhcpClientMachine
    {
        static readonly TimeSpan MinimumExtendRetry = TimeSpan.FromSeconds(60);

        readonly DhcpClientIdentity identity;
        readonly DhcpClientOptions options;
        readonly Random random;
        readonly List<DhcpMessage> offers = new();
        DhcpMessage? outstanding;
        IPAddress? outstandingDestination;
        DhcpMessage? chosenOffer;
        DateTimeOffset? offerDeadline;
        int attempts;
        // RFC 5227: probes sent for the address being probed; conflicts since an address was last
        // bound (rate limiting); when the held address was last defended; announcements to come.
        int probesSent;
        int conflictsInARow;
        DateTimeOffset? lastDefended;
        int announcementsLeft;
        DateTimeOffset? nextAnnouncement;

        public DhcpClientMachine(DhcpClientIdentity identity, DhcpClientOptions? options = null, Random? random = null)
        {
            this.identity = identity;
            this.options = options ?? new DhcpClientOptions();
            this.options.Validate();
            this.random = random ?? new Random();
        }

        public DhcpClientState State { get; private set; } = DhcpClientState.Stopped;
        public DhcpLease? Lease { get; private set; }
        /// <summary>When <see cref="OnTimer"/> is due next; null when nothing is pending.</summary>
        public DateTimeOffset? NextTimer { get; private set; }
        public uint TransactionId { get; private set; }
        public long BadPackets { get; private set; }
        public long BadOffers { get; private set; }
        /// <summary>Options of accepted replies whose values did not decode (ignored; the rest of the reply is used).</summary>
        public long BadOptions { get; private set; }
        public long PacketsSent { get; private set; }
        public long PacketsReceived { get; private set; }
        /// <summary>Whether addresses are probed, announced and defended (RFC 5227).</summary>
        public bool ConflictDetection => options.ConflictDetection;
        public long ProbesSent { get; private set; }
        public long Conflicts { get; private set; }
        public long Declines { get; private set; }
        public AddressConflict? LastConflict { get; private set; }

        /// <summary>
        /// Whether the interface holds an address (asked when a renewal or rebinding starts).
        /// A server answers a REQUEST that carries ciaddr by unicast to ciaddr, which an
        /// interface without that address never receives (nobody answers the server's ARP for
        /// it); so while the leased address is not on the interface (a lease obtained without
        /// configuring it), the REQUEST goes out as in INIT-REBOOT: ciaddr zero, the address in
        /// option 50, the broadcast flag set, broadcast; servers extend the lease and answer by
        /// broadcast (RFC 2131 section 4.1 and 4.3.2).
        /// </summary>
        public Func<IPAddress, bool> HoldsAddress { get; set; } = _ => true;

        // ---- commands ----

        /// <summary>Starts (or restarts) obtaining a lease; a stored, unexpired lease is tried first through INIT-REBOOT.</summary>
        public List<DhcpOutput> Start(DateTimeOffset now, DhcpLease? stored = null)
        {
            var output = new List<DhcpOutput>();
            Lease = null;
            if (stored is not null && (stored.ExpiresAt is null || stored.ExpiresAt > now))
            {
                State = DhcpClientState.InitReboot;
                Lease = stored;
                attempts = 0;
                NewTransaction();
                SendRequest(DhcpMessages.RequestInitReboot(TransactionId, identity, stored.Address), IPAddress.Broadcast, now, output);
                return output;
            }
            EnterInit(now, StartDelay());
            return output;
        }

        /// <summary>DHCPINFORM for an address configured by other means.</summary>
        public List<DhcpOutput> Inform(DateTimeOffset now, IPAddress address)
        {
            var output = new List<DhcpOutput>();
            State = DhcpClientState.Informing;
            attempts = 0;
            NewTransaction();
            SendRequest(DhcpMessages.Inform(TransactionId, identity, address), IPAddress.Broadcast, now, output);
            return output;
        }

        /// <summary>EXTEND: renews a bound lease now instead of at T1.</summary>
        public List<DhcpOutput> Extend(DateTimeOffset now)
        {
            var output = new List<DhcpOutput>();
            if (State != DhcpClientState.Bound || Lease?.RenewAt is null) throw new InvalidOperationException("only a bound, finite lease can be extended");
            StartExtending(now, output);
            return output;
        }

        /// <summary>Gives the lease back (unicast RELEASE) and stops.</summary>
        public List<DhcpOutput> Release(DateTimeOffset now)
        {
            var output = new List<DhcpOutput>();
            var lease = Lease;
            if (lease?.Server is { } server && State is DhcpClientState.Bound or DhcpClientState.Renewing or DhcpClientState.Rebinding)
            {
                NewTransaction();
                output.Add(Send(DhcpMessages.Release(TransactionId, identity, lease.Address, server), server));
            }
            Stop();
            output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Released, lease, null));
            return output;
        }

        /// <summary>Declines the lease (its address is in use, say) and starts over after the RFC's wait.</summary>
        public List<DhcpOutput> Decline(DateTimeOffset now)
        {
            var output = new List<DhcpOutput>();
            if (Lease is null) throw new InvalidOperationException("there is no lease to decline");
            DeclineLease(now, null, options.DeclineWait, output);
            return output;
        }

        /// <summary>DHCPDECLINE with the address and server (RFC 2131 3.1.5), then Init after <paramref name="wait"/>.</summary>
        void DeclineLease(DateTimeOffset now, AddressConflict? conflict, TimeSpan wait, List<DhcpOutput> output)
        {
            var lease = Lease!;
            NewTransaction();
            output.Add(Send(DhcpMessages.Decline(TransactionId, identity, lease.Address, lease.Server ?? IPAddress.Any), IPAddress.Broadcast));
            Declines++;
            Lease = null;
            outstanding = null;
            State = DhcpClientState.Declining;
            NextTimer = now + wait;
            output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Declined, lease, null, conflict));
        }

        /// <summary>
        /// Announces the bound address (RFC 5227 2.3: <see cref="AddressConflictDetection.AnnounceCount"/>
        /// announcements, <see cref="AddressConflictDetection.AnnounceInterval"/> apart); the runner
        /// calls this once the address is on the interface. Nothing without conflict detection.
        /// </summary>
        public List<DhcpOutput> Announce(DateTimeOffset now)
        {
            var output = new List<DhcpOutput>();
            if (!options.ConflictDetection || State != DhcpClientState.Bound) return output;
            announcementsLeft = AddressConflictDetection.AnnounceCount;
            SendAnnouncement(now, output);
            return output;
        }

        void SendAnnouncement(DateTimeOffset now, List<DhcpOutput> output)
        {
            output.Add(DhcpOutput.Arp(ArpPacket.Announcement(identity.HardwareAddress, Lease!.Address)));
            announcementsLeft--;
            nextAnnouncement = announcementsLeft > 0 ? now + AddressConflictDetection.AnnounceInterval : null;
            ArmBound();
        }

        /// <summary>While bound: the next announcement or the renewal, whichever comes first.</summary>
        void ArmBound()
        {
            NextTimer = Lease!.RenewAt;
            if (nextAnnouncement is { } at && (NextTimer is null || at < NextTimer)) NextTimer = at;
        }

        /// <summary>Stops managing the lease without telling the server (dhcpagent's DROP).</summary>
        public List<DhcpOutput> Drop()
        {
            var lease = Lease;
            Stop();
            Lease = lease;   // kept: the caller stores it for the next INIT-REBOOT
            return new List<DhcpOutput> { DhcpOutput.Event(DhcpLeaseEventKind.Dropped, lease, lease) };
        }

        void Stop()
        {
            State = DhcpClientState.Stopped;
            Lease = null;
            NextTimer = null;
            outstanding = null;
            nextAnnouncement = null;
        }

        // ---- timers ----

        public List<DhcpOutput> OnTimer(DateTimeOffset now)
        {
            var output = new List<DhcpOutput>();
            if (NextTimer is null || now < NextTimer) return output;
            switch (State)
            {
                case DhcpClientState.Init:
                case DhcpClientState.Declining:
                    State = DhcpClientState.Selecting;
                    offers.Clear();
                    offerDeadline = null;
                    attempts = 0;
                    NewTransaction();
                    SendRequest(DhcpMessages.Discover(TransactionId, identity, options.RequestedAddress), IPAddress.Broadcast, now, output);
                    break;
                case DhcpClientState.Selecting:
                    if (offers.Count > 0 && offerDeadline is { } deadline && now >= deadline) Choose(now, output);
                    else Retransmit(now, output);
                    break;
                case DhcpClientState.Requesting:
                case DhcpClientState.InitReboot:
                case DhcpClientState.Informing:
                    if (attempts >= options.MaxRequestAttempts)
                    {
                        // No answer: start over from INIT (an informing client simply gives up).
                        var previous = Lease;
                        Lease = null;
                        if (State == DhcpClientState.Informing) { Stop(); break; }
                        EnterInit(now, TimeSpan.Zero);
                        if (previous is not null) output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Expired, previous, null));
                    }
                    else Retransmit(now, output);
                    break;
                case DhcpClientState.Probing:
                    Probe(now, output);
                    break;
                case DhcpClientState.Bound:
                    if (nextAnnouncement is { } announce && now >= announce)
                    {
                        SendAnnouncement(now, output);
                        if (Lease!.RenewAt is not { } renew || now < renew) break;
                    }
                    nextAnnouncement = null;
                    StartExtending(now, output);
                    break;
                case DhcpClientState.Renewing:
                    if (now >= Lease!.RebindAt) StartRebinding(now, output);
                    else ResendExtend(now, Lease.RebindAt!.Value, output);
                    break;
                case DhcpClientState.Rebinding:
                    if (now >= Lease!.ExpiresAt)
                    {
                        var expired = Lease;
                        Lease = null;
                        EnterInit(now, TimeSpan.Zero);
                        output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Expired, expired, null));
                    }
                    else ResendExtend(now, Lease.ExpiresAt!.Value, output);
                    break;
            }
            return output;
        }

        void StartExtending(DateTimeOffset now, List<DhcpOutput> output)
        {
            var lease = Lease!;
            State = DhcpClientState.Renewing;
            NewTransaction();
            var held = HoldsAddress(lease.Address);
            outstanding = ExtendRequest(lease, held);
            outstandingDestination = held ? lease.Server ?? IPAddress.Broadcast : IPAddress.Broadcast;
            output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Renewing, lease, lease));
            ResendExtend(now, lease.RebindAt!.Value, output);
            if (now >= lease.RebindAt) StartRebinding(now, output);
        }

        void StartRebinding(DateTimeOffset now, List<DhcpOutput> output)
        {
            var lease = Lease!;
            State = DhcpClientState.Rebinding;
            NewTransaction();
            outstanding = ExtendRequest(lease, HoldsAddress(lease.Address));
            outstandingDestination = IPAddress.Broadcast;
            output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Rebinding, lease, lease));
            ResendExtend(now, lease.ExpiresAt!.Value, output);
        }

        DhcpMessage ExtendRequest(DhcpLease lease, bool held) =>
            held ? DhcpMessages.RequestExtend(TransactionId, identity, lease.Address) : DhcpMessages.RequestInitReboot(TransactionId, identity, lease.Address);

        /// <summary>RFC 2131 section 4.4.5: retry after half the time to the next boundary, but at least 60 s.</summary>
        void ResendExtend(DateTimeOffset now, DateTimeOffset boundary, List<DhcpOutput> output)
        {
            output.Add(Send(outstanding!, outstandingDestination!));
            var half = TimeSpan.FromTicks((boundary - now).Ticks / 2);
            var next = now + (half > MinimumExtendRetry ? half : MinimumExtendRetry);
            NextTimer = next < boundary ? next : boundary;
        }

        void Retransmit(DateTimeOffset now, List<DhcpOutput> output) => SendRequest(outstanding!, outstandingDestination!, now, output);

        /// <summary>Sends a DISCOVER/REQUEST/INFORM and arms the RFC 2131 back-off: 4, 8, 16, 32, 64 s, +- jitter.</summary>
        void SendRequest(DhcpMessage message, IPAddress destination, DateTimeOffset now, List<DhcpOutput> output)
        {
            outstanding = message;
            outstandingDestination = destination;
            attempts++;
            output.Add(Send(message, destination));
            var delay = TimeSpan.FromSeconds(Math.Min(64, 4 << Math.Min(attempts - 1, 4)));
            var jitter = TimeSpan.FromTicks((long)((random.NextDouble() * 2 - 1) * options.RetransmitJitter.Ticks));
            NextTimer = now + delay + jitter;
            if (offerDeadline is { } deadline && State == DhcpClientState.Selecting && deadline < NextTimer) NextTimer = deadline;
        }

        DhcpOutput Send(DhcpMessage message, IPAddress destination)
        {
            PacketsSent++;
            return DhcpOutput.Send(message, destination);
        }

        void EnterInit(DateTimeOffset now, TimeSpan delay)
        {
            State = DhcpClientState.Init;
            outstanding = null;
            nextAnnouncement = null;
            NextTimer = now + delay;
        }

        TimeSpan StartDelay() => TimeSpan.FromTicks((long)(random.NextDouble() * options.StartDelayMax.Ticks));

        void NewTransaction()
        {
            var bytes = new byte[4];
            random.NextBytes(bytes);
            TransactionId = BitConverter.ToUInt32(bytes, 0);
        }

        // ---- replies ----

        /// <summary>
        /// Takes a reply. One that does not belong to the current transaction (xid, chaddr,
        /// op, type, server) is counted in <see cref="BadPackets"/> and changes nothing.
        /// </summary>
        public List<DhcpOutput> OnReply(DhcpMessage reply, DateTimeOffset now)
        {
            var output = new List<DhcpOutput>();
            PacketsReceived++;
            if (reply.Op != DhcpMessage.BootReply || reply.TransactionId != TransactionId || outstanding is null
                || !reply.HardwareAddress.SequenceEqual(identity.HardwareAddress))
            {
                BadPackets++;
                return output;
            }
            foreach (var option in reply.Options)
            {
                try { DhcpOptionRegistry.Decode(option.Code, option.Value); }
                catch (DhcpFormatException) { BadOptions++; }
            }
            var type = reply.MessageType;
            var server = reply.Get(DhcpOptionCode.ServerIdentifier);
            switch (State)
            {
                case DhcpClientState.Selecting when reply.IsBootp && !reply.YourAddress.Equals(IPAddress.Any):
                    // A BOOTP server answered the DISCOVER: its reply is the lease, nothing to request.
                    outstanding = null;
                    Accept(DhcpLease.FromAck(reply, now), null, now, output);
                    break;
                case DhcpClientState.Selecting when type == DhcpMessageType.Offer:
                    if (reply.YourAddress.Equals(IPAddress.Any) || server is not { Length: 4 })
                    {
                        BadOffers++;
                        break;
                    }
                    offers.Add(reply);
                    if (options.OfferPolicy == OfferPolicy.First || Preferred(reply)) Choose(now, output);
                    else if (offerDeadline is null)
                    {
                        offerDeadline = now + options.OfferWindow;
                        if (NextTimer is null || offerDeadline < NextTimer) NextTimer = offerDeadline;
                    }
                    break;
                case DhcpClientState.Requesting when type is DhcpMessageType.Ack or DhcpMessageType.Nak:
                    if (server is null || !server.AsSpan().SequenceEqual(chosenOffer!.Get(DhcpOptionCode.ServerIdentifier))) { BadPackets++; break; }
                    Conclude(reply, type.Value, now, output);
                    break;
                case DhcpClientState.InitReboot when type is DhcpMessageType.Ack or DhcpMessageType.Nak:
                    Conclude(reply, type.Value, now, output);
                    break;
                case DhcpClientState.Renewing or DhcpClientState.Rebinding when type is DhcpMessageType.Ack or DhcpMessageType.Nak:
                    // While renewing, only our server may answer; rebinding, any server may.
                    if (State == DhcpClientState.Renewing && Lease!.Server is { } ours && (server is null || !ours.GetAddressBytes().AsSpan().SequenceEqual(server)))
                    {
                        BadPackets++;
                        break;
                    }
                    Conclude(reply, type.Value, now, output);
                    break;
                case DhcpClientState.Informing when type == DhcpMessageType.Ack:
                    State = DhcpClientState.Information;
                    Lease = DhcpLease.FromInformation(reply, now);
                    outstanding = null;
                    NextTimer = null;
                    output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Informed, null, Lease));
                    break;
                default:
                    BadPackets++;
                    break;
            }
            return output;
        }

        bool Preferred(DhcpMessage offer) => options.OfferPolicy switch
        {
            OfferPolicy.RequestedAddress => offer.YourAddress.Equals(options.RequestedAddress),
            OfferPolicy.PreferredServer => offer.Get(DhcpOptionCode.ServerIdentifier) is { } s && options.PreferredServer!.GetAddressBytes().AsSpan().SequenceEqual(s),
            _ => true,
        };

        void Choose(DateTimeOffset now, List<DhcpOutput> output)
        {
            chosenOffer = offers.FirstOrDefault(Preferred) ?? offers[0];
            offers.Clear();
            offerDeadline = null;
            State = DhcpClientState.Requesting;
            attempts = 0;
            SendRequest(DhcpMessages.RequestFromOffer(chosenOffer, identity), IPAddress.Broadcast, now, output);
        }

        void Conclude(DhcpMessage reply, DhcpMessageType type, DateTimeOffset now, List<DhcpOutput> output)
        {
            var before = Lease;
            outstanding = null;
            if (type == DhcpMessageType.Nak)
            {
                Lease = null;
                EnterInit(now, options.NakBackoff);
                output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Nak, before, null));
                return;
            }
            if (State is DhcpClientState.Renewing or DhcpClientState.Rebinding)
            {
                Lease = DhcpLease.FromAck(reply, now, before);
                State = DhcpClientState.Bound;
                NextTimer = Lease.RenewAt;
                output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Extended, before, Lease));
                return;
            }
            Accept(DhcpLease.FromAck(reply, now), before, now, output);
        }

        /// <summary>A new lease from an ACK: probed first with conflict detection on, else bound at once.</summary>
        void Accept(DhcpLease lease, DhcpLease? before, DateTimeOffset now, List<DhcpOutput> output)
        {
            Lease = lease;
            if (!options.ConflictDetection)
            {
                Bind(before, output);
                return;
            }
            State = DhcpClientState.Probing;
            probesSent = 0;
            NextTimer = now + Between(TimeSpan.Zero, AddressConflictDetection.ProbeWait);
            output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Probing, before, lease));
        }

        void Bind(DhcpLease? before, List<DhcpOutput> output)
        {
            State = DhcpClientState.Bound;
            nextAnnouncement = null;
            lastDefended = null;
            NextTimer = Lease!.RenewAt;
            output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Bound, before, Lease));
        }

        /// <summary>RFC 5227 2.1.1: the next probe, or, ANNOUNCE_WAIT after the last one with no conflict, the address is ours.</summary>
        void Probe(DateTimeOffset now, List<DhcpOutput> output)
        {
            if (probesSent == AddressConflictDetection.ProbeCount)
            {
                conflictsInARow = 0;
                Bind(Lease, output);
                return;
            }
            output.Add(DhcpOutput.Arp(ArpPacket.Probe(identity.HardwareAddress, Lease!.Address)));
            probesSent++;
            ProbesSent++;
            NextTimer = now + (probesSent < AddressConflictDetection.ProbeCount
                ? Between(AddressConflictDetection.ProbeMin, AddressConflictDetection.ProbeMax)
                : AddressConflictDetection.AnnounceWait);
        }

        TimeSpan Between(TimeSpan least, TimeSpan most) => least + TimeSpan.FromTicks((long)(random.NextDouble() * (most - least).Ticks));

        // ---- ARP (RFC 5227) ----

        /// <summary>
        /// Takes an ARP packet from the interface. While probing, one whose sender claims the
        /// address (a reply, an announcement) or another host's probe for it is a conflict: the
        /// address is declined. While holding the address on the interface, another host's packet
        /// claiming it is defended against once (an announcement); a second within
        /// DEFEND_INTERVAL ends the lease (Conflict) and starts over. Anything else changes nothing.
        /// </summary>
        public List<DhcpOutput> OnArp(ArpPacket packet, DateTimeOffset now)
        {
            var output = new List<DhcpOutput>();
            if (!options.ConflictDetection || Lease is not { } lease || packet.SenderMac.AsSpan().SequenceEqual(identity.HardwareAddress)) return output;
            var address = lease.Address;
            switch (State)
            {
                case DhcpClientState.Probing:
                    var claims = packet.SenderAddress.Equals(address);
                    var probesToo = packet.IsRequest && packet.SenderAddress.Equals(IPAddress.Any) && packet.TargetAddress.Equals(address);
                    if (!claims && !probesToo) break;
                    var conflict = Conflict(address, packet, now);
                    DeclineLease(now, conflict, WaitAfterConflict(options.DeclineWait), output);
                    break;
                case DhcpClientState.Bound or DhcpClientState.Renewing or DhcpClientState.Rebinding
                    when packet.SenderAddress.Equals(address) && HoldsAddress(address):
                    var held = Conflict(address, packet, now);
                    if (lastDefended is not { } defended || now - defended >= AddressConflictDetection.DefendInterval)
                    {
                        lastDefended = now;
                        output.Add(DhcpOutput.Arp(ArpPacket.Announcement(identity.HardwareAddress, address)));
                        output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Defended, lease, lease, held));
                        break;
                    }
                    // A bound lease is not declined (RFC 2131 allows DECLINE only before use): it is given up.
                    Lease = null;
                    EnterInit(now, WaitAfterConflict(TimeSpan.Zero));
                    output.Add(DhcpOutput.Event(DhcpLeaseEventKind.Conflict, lease, null, held));
                    break;
            }
            return output;
        }

        /// <summary>RFC 5227 2.1.1: after MAX_CONFLICTS in a row, one new address per RATE_LIMIT_INTERVAL at most.</summary>
        TimeSpan WaitAfterConflict(TimeSpan usual) =>
            ++conflictsInARow >= AddressConflictDetection.MaxConflicts ? AddressConflictDetection.RateLimitInterval : usual;

        AddressConflict Conflict(IPAddress address, ArpPacket packet, DateTimeOffset now)
        {
            Conflicts++;
            return LastConflict = new AddressConflict(address, Common.ColonHex.Format(packet.SenderMac), now);
        }
    }
}
