namespace IscsiDhcp.Nbd
{
    /// <summary>What a request is checked against: the export as negotiated on one connection.</summary>
    public readonly struct NbdExportLimits
    {
        public NbdExportLimits(ulong size, uint minimumBlockSize, uint maximumPayload, NbdExportFeatures flags, bool structuredReplies)
        {
            Size = size;
            MinimumBlockSize = minimumBlockSize == 0 ? 1 : minimumBlockSize;
            MaximumPayload = maximumPayload;
            Flags = flags;
            StructuredReplies = structuredReplies;
        }

        public ulong Size { get; }
        /// <summary>Offsets and lengths must be multiples of this (a power of two).</summary>
        public uint MinimumBlockSize { get; }
        /// <summary>The largest READ or WRITE payload accepted.</summary>
        public uint MaximumPayload { get; }
        /// <summary>The transmission flags sent to the client: what it may use.</summary>
        public NbdExportFeatures Flags { get; }
        public bool StructuredReplies { get; }
        public bool IsReadOnly => (Flags & NbdExportFeatures.ReadOnly) != 0;
    }
}
