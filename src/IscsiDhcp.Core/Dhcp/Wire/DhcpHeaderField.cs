using System;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>
    /// One field of the BOOTP header (RFC 2131 section 2): how it is read, written and shown.
    /// <see cref="DhcpMessage.Header"/> lists them once, in wire order; parsing, encoding and
    /// GET_TAG's field queries all go through that list.
    /// </summary>
    public sealed class DhcpHeaderField
    {
        internal delegate void ReadInto(DhcpMessage message, ref DhcpReader reader);
        internal delegate void WriteFrom(DhcpMessage message, ref DhcpWriter writer);

        internal DhcpHeaderField(string name, int size, bool queryable, ReadInto read, WriteFrom write, Func<DhcpMessage, string> text)
        {
            Name = name;
            Size = size;
            Queryable = queryable;
            Read = read;
            Write = write;
            Text = text;
        }

        /// <summary>RFC 2131's name (op, htype, ..., sname, file).</summary>
        public string Name { get; }
        public int Size { get; }
        /// <summary>Where it starts: the sizes of the fields before it, added up.</summary>
        public int Offset { get; internal set; }
        /// <summary>Whether Get-DhcpOption -Field reads it.</summary>
        public bool Queryable { get; }
        internal ReadInto Read { get; }
        internal WriteFrom Write { get; }
        /// <summary>The field of a message as text (an address dotted, xid in hex, chaddr as hlen bytes).</summary>
        public Func<DhcpMessage, string> Text { get; }
    }
}
