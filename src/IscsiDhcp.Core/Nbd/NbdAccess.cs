namespace IscsiDhcp.Nbd
{
    /// <summary>What one connection may do with the exports, decided by whoever accepted it (the agent: from the peer's credentials).</summary>
    public enum NbdAccess
    {
        /// <summary>List the exports, nothing more: NBD_OPT_INFO and NBD_OPT_GO get NBD_REP_ERR_POLICY.</summary>
        ListOnly,
        /// <summary>Every export read-only: writes and trims get NBD_EPERM.</summary>
        ReadOnly,
        /// <summary>Read and write, except where an export itself is read-only.</summary>
        ReadWrite,
    }
}
