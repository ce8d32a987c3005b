namespace IscsiDhcp.Lab.Tgtd;

/// <summary>A target configured in a running tgtd.</summary>
public sealed record TgtdTarget(int Tid, string Name, IReadOnlyList<string> LunFiles, TgtdTargetOptions Options);
