using System;
using System.Linq;
using System.Text.Json;
using IscsiDhcp.Common;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>
    /// Leases on the agent's wire: start requests, lease keys, status snapshots and lease
    /// events. A lease travels as its ACKs (the bytes the server sent) and its times, so the
    /// reader has every option the agent has. A status read here is held by the agent.
    /// </summary>
    internal static class LeaseJson
    {
        public static void WriteKey(Utf8JsonWriter w, string name, DhcpLeaseKey key)
        {
            w.WriteStartObject(name);
            w.WriteString("interface", key.InterfaceName);
            w.WriteString("clientId", key.ClientIdText);
            w.WriteEndObject();
        }

        public static DhcpLeaseKey ReadKey(JsonElement e)
        {
            try { return DhcpLeaseKey.Parse(e.String("interface"), e.String("clientId")); }
            catch (ArgumentException x) { throw new AgentProtocolException($"a bad lease key: {x.Message}"); }
        }

        public static void WriteStartRequest(Utf8JsonWriter w, string name, DhcpStartRequest r)
        {
            w.WriteStartObject(name);
            w.WriteString("interface", r.InterfaceName);
            if (r.Identity is { } id)
            {
                w.WriteStartObject("identity");
                w.WriteBase64String("hardwareAddress", id.HardwareAddress);
                w.WriteBase64String("clientId", id.ClientId);
                w.WriteOptional("hostName", id.HostName);
                w.WriteOptional("fqdn", id.Fqdn);
                w.WriteOptional("vendorClass", id.VendorClass);
                w.WriteStartArray("userClasses");
                foreach (var c in id.UserClasses) w.WriteStringValue(c);
                w.WriteEndArray();
                w.WriteBase64String("parameterRequestList", id.ParameterRequestList.ToArray());
                w.WriteEndObject();
            }
            if (r.ClientOptions is { } o)
            {
                w.WriteStartObject("options");
                w.WriteTimeSpan("startDelayMax", o.StartDelayMax);
                w.WriteTimeSpan("offerWindow", o.OfferWindow);
                w.WriteString("offerPolicy", o.OfferPolicy.ToString());
                w.WriteAddress("requestedAddress", o.RequestedAddress);
                w.WriteAddress("preferredServer", o.PreferredServer);
                w.WriteNumber("maxRequestAttempts", o.MaxRequestAttempts);
                w.WriteTimeSpan("nakBackoff", o.NakBackoff);
                w.WriteTimeSpan("declineWait", o.DeclineWait);
                w.WriteTimeSpan("retransmitJitter", o.RetransmitJitter);
                w.WriteBoolean("conflictDetection", o.ConflictDetection);
                w.WriteEndObject();
            }
            w.WriteBoolean("configure", r.Configure);
            w.WriteBoolean("primary", r.Primary);
            w.WriteAddress("relay", r.RelayAddress);
            w.WriteAddress("server", r.ServerAddress);
            w.WriteEndObject();
        }

        public static DhcpStartRequest ReadStartRequest(JsonElement e)
        {
            try
            {
                DhcpClientIdentity? identity = null;
                if (e.OptionalObject("identity") is { } id)
                {
                    identity = new DhcpClientIdentity(id.Bytes("hardwareAddress"))
                    {
                        ClientId = id.Bytes("clientId"),
                        HostName = id.OptionalString("hostName"),
                        Fqdn = id.OptionalString("fqdn"),
                        VendorClass = id.OptionalString("vendorClass"),
                        UserClasses = id.Strings("userClasses"),
                        ParameterRequestList = id.Bytes("parameterRequestList"),
                    };
                    if (identity.ClientId.Length is 0 or > 255) throw new AgentProtocolException("'clientId' is not 1 to 255 bytes");
                }
                DhcpClientOptions? options = null;
                if (e.OptionalObject("options") is { } o)
                {
                    options = new DhcpClientOptions
                    {
                        StartDelayMax = o.TimeSpan("startDelayMax"),
                        OfferWindow = o.TimeSpan("offerWindow"),
                        OfferPolicy = o.Enum<OfferPolicy>("offerPolicy"),
                        RequestedAddress = o.OptionalAddress("requestedAddress"),
                        PreferredServer = o.OptionalAddress("preferredServer"),
                        MaxRequestAttempts = o.Int32("maxRequestAttempts"),
                        NakBackoff = o.TimeSpan("nakBackoff"),
                        DeclineWait = o.TimeSpan("declineWait"),
                        RetransmitJitter = o.TimeSpan("retransmitJitter"),
                        ConflictDetection = o.Boolean("conflictDetection"),
                    };
                    options.Validate();
                }
                return new DhcpStartRequest(e.String("interface"))
                {
                    Identity = identity,
                    ClientOptions = options,
                    Configure = e.Boolean("configure"),
                    Primary = e.Boolean("primary"),
                    RelayAddress = e.OptionalAddress("relay"),
                    ServerAddress = e.OptionalAddress("server"),
                };
            }
            catch (ArgumentException x) { throw new AgentProtocolException($"a bad lease request: {x.Message}"); }
        }

        public static void WriteStatus(Utf8JsonWriter w, DhcpLeaseStatus s)
        {
            w.WriteStartObject();
            WriteKey(w, "key", s.Key);
            w.WriteString("state", s.State.ToString());
            w.WriteAddress("address", s.Address);
            w.WriteNumber("prefixLength", s.PrefixLength);
            w.WriteAddress("server", s.Server);
            w.WriteTime("leaseBegan", s.LeaseBegan);
            w.WriteTime("renewAt", s.RenewAt);
            w.WriteTime("rebindAt", s.RebindAt);
            w.WriteTime("expiresAt", s.ExpiresAt);
            w.WriteAddresses("dnsServers", s.DnsServers);
            w.WriteOptional("domainName", s.DomainName);
            w.WriteAddresses("routers", s.Routers);
            w.WriteBoolean("primary", s.Primary);
            w.WriteBoolean("failed", s.Failed);
            w.WriteBoolean("bootp", s.Bootp);
            w.WriteBoolean("configured", s.Configured);
            if (s.Pending is { } pending) w.WriteString("pending", pending.ToString());
            w.WriteNumber("packetsSent", s.PacketsSent);
            w.WriteNumber("packetsReceived", s.PacketsReceived);
            w.WriteNumber("badPackets", s.BadPackets);
            w.WriteNumber("badOffers", s.BadOffers);
            w.WriteBoolean("conflictDetection", s.ConflictDetection);
            w.WriteNumber("probesSent", s.ProbesSent);
            w.WriteNumber("conflicts", s.Conflicts);
            w.WriteNumber("declines", s.Declines);
            WriteConflict(w, "lastConflict", s.LastConflict);
            w.WriteNumber("malformedArpFrames", s.MalformedArpFrames);
            w.WriteEndObject();
        }

        public static DhcpLeaseStatus ReadStatus(JsonElement e) => new()
        {
            Key = ReadKey(e.Object("key")),
            State = e.Enum<DhcpClientState>("state"),
            Address = e.OptionalAddress("address"),
            PrefixLength = e.Int32("prefixLength"),
            Server = e.OptionalAddress("server"),
            LeaseBegan = e.OptionalTime("leaseBegan"),
            RenewAt = e.OptionalTime("renewAt"),
            RebindAt = e.OptionalTime("rebindAt"),
            ExpiresAt = e.OptionalTime("expiresAt"),
            DnsServers = e.Addresses("dnsServers"),
            DomainName = e.OptionalString("domainName"),
            Routers = e.Addresses("routers"),
            Primary = e.Boolean("primary"),
            Failed = e.Boolean("failed"),
            Bootp = e.Boolean("bootp"),
            Configured = e.Boolean("configured"),
            Pending = e.OptionalEnum<DhcpCommand>("pending"),
            PacketsSent = e.Int64("packetsSent"),
            PacketsReceived = e.Int64("packetsReceived"),
            BadPackets = e.Int64("badPackets"),
            BadOffers = e.Int64("badOffers"),
            ConflictDetection = e.Boolean("conflictDetection"),
            ProbesSent = e.Int64("probesSent"),
            Conflicts = e.Int64("conflicts"),
            Declines = e.Int64("declines"),
            LastConflict = ReadConflict(e, "lastConflict"),
            MalformedArpFrames = e.Int64("malformedArpFrames"),
            HeldBy = HeldBy.Agent,
        };

        public static void WriteEvent(Utf8JsonWriter w, DhcpAgentEventArgs e)
        {
            w.WriteStartObject();
            WriteKey(w, "key", e.Lease);
            w.WriteString("kind", e.Event.Kind.ToString());
            w.WriteTime("time", e.Event.Time);
            WriteLease(w, "before", e.Event.Before);
            WriteLease(w, "after", e.Event.After);
            WriteConflict(w, "conflict", e.Event.Conflict);
            w.WriteEndObject();
        }

        public static DhcpAgentEventArgs ReadEvent(JsonElement e) =>
            new(ReadKey(e.Object("key")), new DhcpLeaseEventArgs(e.Enum<DhcpLeaseEventKind>("kind"), e.Time("time"), ReadLease(e, "before"), ReadLease(e, "after"),
                ReadConflict(e, "conflict")));

        static void WriteConflict(Utf8JsonWriter w, string name, AddressConflict? conflict)
        {
            if (conflict is null) return;
            w.WriteStartObject(name);
            w.WriteAddress("address", conflict.Address);
            w.WriteString("hardwareAddress", conflict.HardwareAddress);
            w.WriteTime("detectedAt", conflict.DetectedAt);
            w.WriteEndObject();
        }

        static AddressConflict? ReadConflict(JsonElement e, string name) =>
            e.OptionalObject(name) is { } c
                ? new AddressConflict(c.OptionalAddress("address") ?? throw new AgentProtocolException($"'{name}' has no address"), c.String("hardwareAddress"), c.Time("detectedAt"))
                : null;

        static void WriteLease(Utf8JsonWriter w, string name, DhcpLease? lease)
        {
            if (lease is null) return;
            w.WriteStartObject(name);
            w.WriteBase64String("ack", lease.Ack.Encode(4096));
            w.WriteBase64String("originalAck", lease.OriginalAck.Encode(4096));
            w.WriteTime("obtained", lease.Obtained);
            w.WriteTime("renewAt", lease.RenewAt);
            w.WriteTime("rebindAt", lease.RebindAt);
            w.WriteTime("expiresAt", lease.ExpiresAt);
            w.WriteEndObject();
        }

        static DhcpLease? ReadLease(JsonElement e, string name)
        {
            if (e.OptionalObject(name) is not { } l) return null;
            try
            {
                return DhcpLease.Restore(DhcpMessage.Parse(l.Bytes("ack")), DhcpMessage.Parse(l.Bytes("originalAck")), l.Time("obtained"),
                    l.OptionalTime("renewAt"), l.OptionalTime("rebindAt"), l.OptionalTime("expiresAt"));
            }
            catch (DhcpFormatException x) { throw new AgentProtocolException($"'{name}' holds a malformed ACK: {x.Message}"); }
        }
    }
}
