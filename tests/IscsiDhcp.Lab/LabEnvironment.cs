using IscsiDhcp.Lab.Dhcp;
using IscsiDhcp.Lab.Tgtd;

namespace IscsiDhcp.Lab;

/// <summary>A tgtd target and an optional DHCP network brought up in one run from a <see cref="LabSpec"/>.</summary>
public sealed class LabEnvironment
{
    LabEnvironment(LabRun run, TgtdServer tgtd, TgtdTarget target, DhcpTestNetwork? dhcp)
    {
        Run = run;
        Tgtd = tgtd;
        Target = target;
        Dhcp = dhcp;
    }

    public LabRun Run { get; }
    public TgtdServer Tgtd { get; }
    public TgtdTarget Target { get; }
    public DhcpTestNetwork? Dhcp { get; }

    /// <summary>Brings everything up; stops between steps when <paramref name="cancel"/> fires (the caller tears down).</summary>
    public static LabEnvironment Up(LabRun run, LabSpec spec, CancellationToken cancel)
    {
        if (spec.LunCount < 1) throw new ArgumentException("a target needs at least one LUN", nameof(spec));
        if (spec.LunSize < 1 << 20) throw new ArgumentException($"LUN size {spec.LunSize} is under 1 MiB", nameof(spec));
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
            ? DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = kind, LeaseTime = spec.LeaseTime, RangeFirst = spec.RangeFirst, RangeLast = spec.RangeLast })
            : null;
        cancel.ThrowIfCancellationRequested();
        var environment = new LabEnvironment(run, tgtd, target, dhcp);
        File.WriteAllText(SummaryPath(run.Id), System.Text.Json.JsonSerializer.Serialize(environment.Describe(), SummaryJson));
        return environment;
    }

    public LabSummary Describe() => new(
        Run.Id, Tgtd.Portal, Tgtd.ControlPort, Target.Name, Target.LunFiles,
        Target.Options.IncomingAccounts.Count > 0 ? Target.Options.IncomingAccounts[0].User : null,
        Dhcp?.Options.Server.ToString().ToLowerInvariant(), Dhcp?.Netns, Dhcp?.ClientInterface, Dhcp?.ServerAddress,
        Dhcp?.LeaseFile, Dhcp?.Server.LogPath, Run.Directory);

    internal static readonly System.Text.Json.JsonSerializerOptions SummaryJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
    };

    internal static string SummaryPath(string runId) => Path.Combine(LabJanitor.Root, runId, "lab.json");
}
