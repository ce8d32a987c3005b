namespace IscsiDhcp.Lab.Tgtd;

/// <summary>A login redirect set on a target: tgtd answers logins with status class 1.</summary>
public sealed record TgtdRedirect(string Address, int Port, bool Permanent)
{
    public string Reason => Permanent ? "Permanent" : "Temporary";
}
