using System;
using System.Buffers.Binary;
using System.Net;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>Builders for each message a client sends (RFC 2131 section 4.4 and table 5).</summary>
    public static class DhcpMessages
    {
        /// <summary>The largest reply we announce we can take (option 57).</summary>
        public const ushort MaxReplySize = 1500;

        static DhcpMessage Start(DhcpMessageType type, uint xid, DhcpClientIdentity identity, bool withRequestList)
        {
            var m = new DhcpMessage { TransactionId = xid };
            m.Set(DhcpOptionCode.MessageType, new[] { (byte)type });
            identity.AddTo(m, withRequestList);
            if (withRequestList)
            {
                var size = new byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(size, MaxReplySize);
                m.Set(DhcpOptionCode.MaxMessageSize, size);
            }
            return m;
        }

        /// <summary>DHCPDISCOVER, broadcast, optionally asking for an address.</summary>
        public static DhcpMessage Discover(uint xid, DhcpClientIdentity identity, IPAddress? requested = null)
        {
            var m = Start(DhcpMessageType.Discover, xid, identity, withRequestList: true);
            m.Broadcast = true;
            if (requested is not null) m.Set(DhcpOptionCode.RequestedIpAddress, requested.GetAddressBytes());
            return m;
        }

        /// <summary>DHCPREQUEST in SELECTING: the offered address (50) and the chosen server (54), ciaddr zero.</summary>
        public static DhcpMessage RequestFromOffer(DhcpMessage offer, DhcpClientIdentity identity)
        {
            var server = offer.Get(DhcpOptionCode.ServerIdentifier) ?? throw new ArgumentException("an offer without a server identifier", nameof(offer));
            var m = Start(DhcpMessageType.Request, offer.TransactionId, identity, withRequestList: true);
            m.Broadcast = true;
            m.Set(DhcpOptionCode.RequestedIpAddress, offer.YourAddress.GetAddressBytes());
            m.Set(DhcpOptionCode.ServerIdentifier, server);
            return m;
        }

        /// <summary>DHCPREQUEST in INIT-REBOOT: the stored address (50), no server id, ciaddr zero, broadcast.</summary>
        public static DhcpMessage RequestInitReboot(uint xid, DhcpClientIdentity identity, IPAddress address)
        {
            var m = Start(DhcpMessageType.Request, xid, identity, withRequestList: true);
            m.Broadcast = true;
            m.Set(DhcpOptionCode.RequestedIpAddress, address.GetAddressBytes());
            return m;
        }

        /// <summary>DHCPREQUEST in RENEWING (unicast) or REBINDING (broadcast): ciaddr set, no 50, no 54.</summary>
        public static DhcpMessage RequestExtend(uint xid, DhcpClientIdentity identity, IPAddress address) =>
            WithClientAddress(Start(DhcpMessageType.Request, xid, identity, withRequestList: true), address);

        /// <summary>DHCPRELEASE: unicast to the server, ciaddr the address given back.</summary>
        public static DhcpMessage Release(uint xid, DhcpClientIdentity identity, IPAddress address, IPAddress server)
        {
            var m = WithClientAddress(Start(DhcpMessageType.Release, xid, identity, withRequestList: false), address);
            m.Set(DhcpOptionCode.ServerIdentifier, server.GetAddressBytes());
            return m;
        }

        /// <summary>DHCPDECLINE: the address found in use (50) and the server that offered it.</summary>
        public static DhcpMessage Decline(uint xid, DhcpClientIdentity identity, IPAddress address, IPAddress server)
        {
            var m = Start(DhcpMessageType.Decline, xid, identity, withRequestList: false);
            m.Set(DhcpOptionCode.RequestedIpAddress, address.GetAddressBytes());
            m.Set(DhcpOptionCode.ServerIdentifier, server.GetAddressBytes());
            return m;
        }

        /// <summary>DHCPINFORM: configuration only, for an address configured by other means (ciaddr).</summary>
        public static DhcpMessage Inform(uint xid, DhcpClientIdentity identity, IPAddress address) =>
            WithClientAddress(Start(DhcpMessageType.Inform, xid, identity, withRequestList: true), address);

        static DhcpMessage WithClientAddress(DhcpMessage m, IPAddress address)
        {
            m.ClientAddress = address;
            return m;
        }
    }
}
