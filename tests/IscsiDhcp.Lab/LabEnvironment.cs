using IscsiDhcp.Lab.Dhcp;
using IscsiDhcp.Lab.Tgtd;

namespace IscsiDhcp.Lab;

/// <summary>A tgtd target and an optional DHCP network brought up in one run from a <see cref="LabSpec"/>.</summary>
public sealed class LabEnvironment
{
    LabEnvironment(LabRun run, TgtdServer tgtd, TgtdTarget target, DhcpTestNetwork? dhcp, StaticHost? conflictHost)
    {
        Run = run;
        Tgtd = tgtd;
        Target = target;
        Dhcp = dhcp;
        ConflictHost = conflictHost;
    }

    public LabRun Run { get; }
    public TgtdServer Tgtd { get; }
    public TgtdTarget Target { get; }
    public DhcpTestNetwork? Dhcp { get; }
    /// <summary>The host holding the address the server reserves for the client (<see cref="LabSpec.ConflictHost"/>).</summary>
    public StaticHost? ConflictHost { get; }

    /// <summary>Brings everything up; stops between steps when <paramref name="cancel"/> fires (the caller tears down).</summary>
    public static LabEnvironment Up(LabRun run, LabSpec spec, CancellationToken cancel)
    {
        if (spec.LunCount < 1) throw new ArgumentException("a target needs at least one LUN", nameof(spec));
        if (spec.LunSize < 1 << 20) throw new ArgumentException($"LUN size {spec.LunSize} is under 1 MiB", nameof(spec));
        if (spec.ConflictHost is not null && spec.Dhcp is null) throw new ArgumentException("a conflicting host needs a DHCP network", nameof(spec));
        var tgtd = TgtdServer.Start(run);
        cancel.ThrowIfCancellationRequested();
        var target = tgtd.AddTarget(new TgtdTargetOptions
        {
            LunSizes = Enumerable.Repeat(spec.LunSize, spec.LunCount).ToList(),
            IncomingAccounts = spec.Chap is null ? [] : [spec.Chap],
            OutgoingAccount = spec.MutualChap,
        });
        cancel.ThrowIfCancellationRequested();
        var dhcp = spec.Dhcp is { } kind
            ? DhcpTestNetwork.Create(run, new DhcpNetworkOptions
            {
                Server = kind, LeaseTime = spec.LeaseTime, RangeFirst = spec.RangeFirst, RangeLast = spec.RangeLast, ReservedHost = spec.ConflictHost,
            })
            : null;
        var conflictHost = dhcp is not null && spec.ConflictHost is { } holder ? StaticHost.Add(run, dhcp, holder) : null;
        cancel.ThrowIfCancellationRequested();
        var environment = new LabEnvironment(run, tgtd, target, dhcp, conflictHost);
        File.WriteAllText(SummaryPath(run.Id), System.Text.Json.JsonSerializer.Serialize(environment.Describe(), SummaryJson));
        return environment;
    }

    public LabSummary Describe() => new(
        Run.Id, Tgtd.Portal, Tgtd.ControlPort, Target.Name, Target.LunFiles,
        Target.Options.IncomingAccounts.Count > 0 ? Target.Options.IncomingAccounts[0].User : null,
        Dhcp?.Options.Server.ToString().ToLowerInvariant(), Dhcp?.Netns, Dhcp?.ClientInterface, Dhcp?.ServerAddress,
        Dhcp?.LeaseFile, Dhcp?.Server.LogPath, ConflictHost?.Netns, ConflictHost?.Address, ConflictHost?.MacAddress, Run.Directory);

    internal static readonly System.Text.Json.JsonSerializerOptions SummaryJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
    };

    internal static string SummaryPath(string runId) => Path.Combine(LabJanitor.Root, runId, "lab.json");
}
