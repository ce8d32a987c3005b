namespace IscsiDhcp.Lab.Tgtd;

/// <summary>
/// A login redirect set on a target: tgtd answers logins with status class 1 (0x0101
/// temporary, 0x0102 permanent) and TargetAddress=Address:Port. tgtd skips the redirect
/// when Address is the initiator's own address, so point it at another loopback address.
/// </summary>
public sealed record TgtdRedirect(string Address, int Port, bool Permanent)
{
    public string Reason => Permanent ? "Permanent" : "Temporary";
}
