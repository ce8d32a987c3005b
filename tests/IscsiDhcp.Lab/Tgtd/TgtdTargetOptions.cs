namespace IscsiDhcp.Lab.Tgtd;

/// <summary>What a fixture target looks like: its name, LUN sizes, CHAP accounts and redirect.</summary>
public sealed record TgtdTargetOptions
{
    /// <summary>The target's iqn; a unique one is made up when null.</summary>
    public string? Name { get; init; }

    /// <summary>Sizes in bytes of the file-backed LUNs (numbered 1, 2, ...; tgtd's LUN 0 is its controller).</summary>
    public IReadOnlyList<long> LunSizes { get; init; } = [64L << 20];
    /// <summary>LUNs tgtd write-protects (readonly=1: MODE SENSE reports WP, writes are refused), kept across a restart.</summary>
    public IReadOnlyList<int> ReadOnlyLuns { get; init; } = [];

    /// <summary>Accounts the target demands of initiators (CHAP); none means no authentication.</summary>
    public IReadOnlyList<ChapAccount> IncomingAccounts { get; init; } = [];

    /// <summary>The account the target answers with for mutual CHAP.</summary>
    public ChapAccount? OutgoingAccount { get; init; }

    public TgtdRedirect? Redirect { get; init; }

    /// <summary>Session parameters the target offers or accepts (tgtadm -n KEY -v VALUE), e.g. HeaderDigest=CRC32C,None.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
}
