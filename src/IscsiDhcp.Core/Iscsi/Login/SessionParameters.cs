namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>The operational parameters a login settled on (RFC 7143 section 13); immutable.</summary>
    public sealed record SessionParameters
    {
        /// <summary>RFC 7143's defaults, in force for anything a login did not negotiate.</summary>
        public static SessionParameters Defaults { get; } = new();

        public bool HeaderDigest { get; init; }
        public bool DataDigest { get; init; }
        public int MaxConnections { get; init; } = 1;
        public bool InitialR2T { get; init; } = true;
        public bool ImmediateData { get; init; } = true;
        /// <summary>The largest data segment the target may send us (what we declared).</summary>
        public int MaxRecvDataSegmentLength { get; init; } = 8192;
        /// <summary>The largest data segment we may send (what the target declared).</summary>
        public int TargetMaxRecvDataSegmentLength { get; init; } = 8192;
        public int MaxBurstLength { get; init; } = 262144;
        public int FirstBurstLength { get; init; } = 65536;
        public int DefaultTime2Wait { get; init; } = 2;
        public int DefaultTime2Retain { get; init; } = 20;
        public int MaxOutstandingR2T { get; init; } = 1;
        public bool DataPduInOrder { get; init; } = true;
        public bool DataSequenceInOrder { get; init; } = true;
        public int ErrorRecoveryLevel { get; init; }
        public string? TargetAlias { get; init; }
        public ushort TargetPortalGroupTag { get; init; }
    }
}
