namespace IscsiDhcp.Lab.Tgtd;

/// <summary>A CHAP user and secret held by tgtd (tgtd wants secrets of 12 to 16 characters for MS initiators; it accepts others).</summary>
public sealed record ChapAccount(string User, string Secret)
{
    public override string ToString() => $"ChapAccount {{ User = {User} }}";
}
