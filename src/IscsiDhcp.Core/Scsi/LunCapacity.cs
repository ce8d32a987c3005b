namespace IscsiDhcp.Scsi
{
    /// <summary>READ CAPACITY's answer: how many blocks of what size.</summary>
    public sealed class LunCapacity
    {
        public LunCapacity(ulong blockCount, uint blockSize)
        {
            BlockCount = blockCount;
            BlockSize = blockSize;
        }

        public ulong BlockCount { get; }
        public uint BlockSize { get; }
        public ulong SizeBytes => BlockCount * BlockSize;
    }
}
