namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>CHAP_A values, as IANA numbers them (PPP authentication algorithms).</summary>
    public enum ChapAlgorithm
    {
        Md5 = 5,
        Sha1 = 6,
        Sha256 = 7,
    }
}
