namespace IscsiDhcp.Tests.Operations;

/// <summary>A LUN in RAM: a disk (type 0x00) of 512-byte blocks, or a controller (0x0C) with no blocks.</summary>
public sealed class FakeLun(int number, byte deviceType, long size, string targetName)
{
    public const uint BlockSize = 512;
    public int Number { get; } = number;
    public byte DeviceType { get; } = deviceType;
    public byte[] Data { get; } = new byte[size];
    public string SerialNumber { get; } = $"FAKE{(uint)targetName.GetHashCode():X8}{number:D2}";
    public byte[] Naa { get; } = [0x60, 0x01, 0x40, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)number];
    int synchronizeCacheCount;
    public int SynchronizeCacheCount => Volatile.Read(ref synchronizeCacheCount);

    long bytesRead;
    /// <summary>Bytes READ commands have returned.</summary>
    public long BytesRead => Interlocked.Read(ref bytesRead);

    internal void NoteSynchronizeCache() => Interlocked.Increment(ref synchronizeCacheCount);

    internal void NoteRead(int bytes) => Interlocked.Add(ref bytesRead, bytes);
}
