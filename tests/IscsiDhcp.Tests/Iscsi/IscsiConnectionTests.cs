using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>Reading PDUs off a connection into memory the caller owns, whatever kind of memory it is.</summary>
public sealed class IscsiConnectionTests
{
    /// <summary>
    /// Memory outside the managed heap, as a pinned I/O buffer or a mapped file gives: no array
    /// behind it, so <see cref="MemoryMarshal.TryGetArray"/> finds none (issue 14, point 4).
    /// </summary>
    sealed class NativeMemory : MemoryManager<byte>
    {
        readonly IntPtr pointer;
        readonly int length;

        public NativeMemory(int length)
        {
            this.length = length;
            pointer = Marshal.AllocHGlobal(Math.Max(length, 1));
            GetSpan().Clear();
        }

        // A span over the native block without an unsafe context: a reference at the block's address.
        public override Span<byte> GetSpan() => MemoryMarshal.CreateSpan(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), pointer), length);

        // Nothing here pins: the connection must read through the span.
        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException("this test memory is not pinned through a handle");

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => Marshal.FreeHGlobal(pointer);
    }

    /// <summary>A NOP-In carrying <paramref name="data"/>, padded, with a data digest when asked, then a second header to show where the first PDU ended.</summary>
    static MemoryStream Pdus(byte[] data, bool dataDigest)
    {
        var stream = new MemoryStream();
        var header = new byte[Bhs.Length];
        new NopInHeader { InitiatorTaskTag = 7, TargetTransferTag = Bhs.ReservedTag, DataSegmentLength = data.Length }.Write(header);
        stream.Write(header);
        stream.Write(data);
        var padding = new byte[Bhs.Padding(data.Length)];
        stream.Write(padding);
        if (dataDigest)
        {
            var digest = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(digest, Crc32C.Compute([.. data, .. padding]));
            stream.Write(digest);
        }
        new NopInHeader { InitiatorTaskTag = 8, TargetTransferTag = Bhs.ReservedTag }.Write(header);
        stream.Write(header);
        stream.Position = 0;
        return stream;
    }

    [Theory]
    [InlineData(5, false)]
    [InlineData(1000, false)]
    [InlineData(20000, false)]
    [InlineData(5, true)]
    [InlineData(20000, true)]
    public void A_data_segment_lands_in_memory_that_no_array_backs(int length, bool dataDigest)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        using var connection = new IscsiConnection(Pdus(data, dataDigest)) { DataDigest = dataDigest, MaxRecvDataSegmentLength = 64 * 1024 };
        using var native = new NativeMemory(length + 16);
        Assert.False(MemoryMarshal.TryGetArray<byte>(native.Memory, out _));
        var bhs = new byte[Bhs.Length];

        connection.ReadHeader(bhs);
        connection.ReadData(native.Memory.Slice(8, length));

        Assert.Equal(data, native.GetSpan().Slice(8, length).ToArray());
        Assert.Equal(new byte[8], native.GetSpan()[..8].ToArray());
        Assert.Equal(new byte[8], native.GetSpan()[(8 + length)..].ToArray());
        connection.ReadHeader(bhs);   // the padding and digest were read with the segment
        Assert.Equal(8u, Bhs.InitiatorTaskTag(bhs));
    }
}
