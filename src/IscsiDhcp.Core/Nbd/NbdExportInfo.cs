namespace IscsiDhcp.Nbd
{
    /// <summary>What the server said of an export during NBD_OPT_GO.</summary>
    public struct NbdExportInfo
    {
        public bool HasExport { get; set; }
        public ulong Size { get; set; }
        public NbdExportFeatures Flags { get; set; }
        /// <summary>0 when the server sent no NBD_INFO_BLOCK_SIZE.</summary>
        public uint MinimumBlockSize { get; set; }
        public uint PreferredBlockSize { get; set; }
        public uint MaximumPayload { get; set; }
        public bool IsReadOnly => (Flags & NbdExportFeatures.ReadOnly) != 0;
    }
}
