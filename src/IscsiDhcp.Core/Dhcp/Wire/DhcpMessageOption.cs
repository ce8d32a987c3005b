using System;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>One option as it stands after RFC 3396 joining: a code and its whole value.</summary>
    public sealed class DhcpMessageOption
    {
        public DhcpMessageOption(byte code, byte[] value)
        {
            if (code == 0 || code == 255) throw new ArgumentException("pad and end are not options with values", nameof(code));
            Code = code;
            Value = value ?? throw new ArgumentNullException(nameof(value));
        }

        public DhcpMessageOption(DhcpOptionCode code, byte[] value) : this((byte)code, value) { }

        public byte Code { get; }
        public byte[] Value { get; }

        public string Name => DhcpOptionRegistry.NameOf(Code);

        public override string ToString() => $"{Name} ({Code}): {DhcpOptionRegistry.Format(Code, Value)}";
    }
}
