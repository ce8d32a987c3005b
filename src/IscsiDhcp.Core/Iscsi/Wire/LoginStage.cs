namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>The CSG/NSG stages of a login (RFC 7143 section 11.12.3).</summary>
    public enum LoginStage : byte
    {
        SecurityNegotiation = 0,
        OperationalNegotiation = 1,
        FullFeaturePhase = 3,
    }
}
