namespace IscsiDhcp.Lab;

/// <summary>
/// What a lab run offers, as <c>lab.sh up|status</c> print it (JSON) and build.ps1's
/// demo reads it. Secrets are left out: the user who asked for them knows them.
/// </summary>
public sealed record LabSummary(
    string Id,
    string Portal,
    int ControlPort,
    string TargetName,
    IReadOnlyList<string> LunFiles,
    string? ChapUser,
    string? DhcpServer,
    string? DhcpNetns,
    string? DhcpClientInterface,
    string? DhcpServerAddress,
    string? DhcpLeaseFile,
    string? DhcpServerLog,
    string? ConflictHostNetns,
    string? ConflictAddress,
    string? ConflictHostMac,
    string Directory);
