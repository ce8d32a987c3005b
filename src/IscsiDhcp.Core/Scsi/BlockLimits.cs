namespace IscsiDhcp.Scsi
{
    /// <summary>The Block Limits VPD page's limits, in logical blocks; 0 means the LUN does not say.</summary>
    public sealed class BlockLimits
    {
        public BlockLimits(uint maximumTransferLength, uint optimalTransferLength, uint maximumUnmapLbaCount, uint maximumUnmapDescriptorCount)
        {
            MaximumTransferLength = maximumTransferLength;
            OptimalTransferLength = optimalTransferLength;
            MaximumUnmapLbaCount = maximumUnmapLbaCount;
            MaximumUnmapDescriptorCount = maximumUnmapDescriptorCount;
        }

        public uint MaximumTransferLength { get; }
        public uint OptimalTransferLength { get; }
        public uint MaximumUnmapLbaCount { get; }
        public uint MaximumUnmapDescriptorCount { get; }
    }
}
