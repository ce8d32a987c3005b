using System.Globalization;

namespace IscsiDhcp.Lab.Tgtd;

/// <summary>
/// A tgtd of our own: a free loopback portal port, its own control port (-C), file-backed
/// targets. tgtd ignores SIGTERM, so it is stopped with SIGKILL.
/// </summary>
public sealed class TgtdServer
{
    const int StartAttempts = 5;
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);

    readonly LabRun run;
    readonly List<TgtdTarget> targets = [];
    // tgtd's accounts are global; targets bind to them. Secret of each account created so far.
    readonly Dictionary<string, string> accounts = [];

    TgtdServer(LabRun run, string portalAddress, int portalPort, int controlPort, LabProcess process)
    {
        this.run = run;
        PortalAddress = portalAddress;
        PortalPort = portalPort;
        ControlPort = controlPort;
        Process = process;
    }

    public int PortalPort { get; }
    public int ControlPort { get; }
    /// <summary>A loopback address; 127.0.0.1 unless a redirect test needs a second one.</summary>
    public string PortalAddress { get; }
    /// <summary>"127.0.0.1:port" or "[::1]:port", as iSCSI tools write a portal.</summary>
    public string Portal => $"{Bracketed(PortalAddress)}:{PortalPort}";

    static string Bracketed(string address) => address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
    public LabProcess Process { get; private set; }
    public IReadOnlyList<TgtdTarget> Targets => targets;

    /// <summary>
    /// Starts a tgtd listening on <paramref name="portalAddress"/>, which must be a loopback
    /// address. tgtd never redirects an initiator to the initiator's own address, so the
    /// destination of a redirect test listens on another one (127.0.0.2).
    /// </summary>
    public static TgtdServer Start(LabRun run, string portalAddress = "127.0.0.1")
    {
        if (!System.Net.IPAddress.TryParse(portalAddress, out var address) || !System.Net.IPAddress.IsLoopback(address))
            throw new ArgumentException($"'{portalAddress}' is not a loopback address; the lab serves only on loopback", nameof(portalAddress));
        LabException? last = null;
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            // Either port may be taken between choosing and binding: try again with others.
            var portal = Network.FreeLoopbackPort(address);
            var control = System.Security.Cryptography.RandomNumberGenerator.GetInt32(1024, 32768);
            if (File.Exists(ControlSocket(control))) continue;
            try
            {
                return new TgtdServer(run, portalAddress, portal, control, Launch(run, address, portal, control));
            }
            catch (LabException e)
            {
                last = e;
            }
        }
        throw new LabException($"tgtd did not start in {StartAttempts} attempts", last!);
    }

    static string ControlSocket(int control) => $"/var/run/tgtd/socket.{control}";

    static LabProcess Launch(LabRun run, System.Net.IPAddress address, int portal, int control)
    {
        run.Record(LabResourceKind.File, ControlSocket(control));
        run.Record(LabResourceKind.File, ControlSocket(control) + ".lock");
        var process = run.StartProcess($"tgtd-{portal}", "tgtd",
            ["-f", "-C", control.ToString(CultureInfo.InvariantCulture), "--iscsi", $"portal={Bracketed(address.ToString())}:{portal}"]);
        try
        {
            process.WaitUntil(() => CommandRunner.Run("tgtadm", ["-C", control.ToString(CultureInfo.InvariantCulture), "--op", "show", "--mode", "sys"]).Succeeded
                                    && Network.IsListening(address, portal), ReadyTimeout, "ready");
        }
        catch (LabException)
        {
            process.Kill();
            throw;
        }
        return process;
    }

    /// <summary>Runs tgtadm against this tgtd, throwing with its output on failure.</summary>
    public CommandResult Admin(params string[] arguments)
    {
        var result = CommandRunner.Run("tgtadm",
            new[] { "-C", ControlPort.ToString(CultureInfo.InvariantCulture), "--lld", "iscsi" }.Concat(arguments));
        if (!result.Succeeded) throw new LabException(result.ToString());
        return result;
    }

    /// <summary>Creates a target with sparse-file LUNs, its CHAP accounts and redirect.</summary>
    public TgtdTarget AddTarget(TgtdTargetOptions options)
    {
        var tid = targets.Count + 1;
        var name = options.Name ?? $"iqn.2026-11.org.iscsidhcp.lab:{run.Id}.p{PortalPort}.t{tid}";
        var files = new List<string>();
        for (var i = 0; i < options.LunSizes.Count; i++)
        {
            var path = Path.Combine(run.Directory, $"p{PortalPort}-t{tid}-lun{i + 1}.img");
            using (var f = new FileStream(path, FileMode.Create, FileAccess.Write)) f.SetLength(options.LunSizes[i]);
            files.Add(path);
        }
        var target = new TgtdTarget(tid, name, files, options);
        Configure(target);
        targets.Add(target);
        return target;
    }

    void Configure(TgtdTarget target)
    {
        var tid = target.Tid.ToString(CultureInfo.InvariantCulture);
        Admin("--op", "new", "--mode", "target", "--tid", tid, "-T", target.Name);
        for (var i = 0; i < target.LunFiles.Count; i++)
            Admin("--op", "new", "--mode", "logicalunit", "--tid", tid, "--lun", (i + 1).ToString(CultureInfo.InvariantCulture), "-b", target.LunFiles[i]);
        foreach (var lun in target.Options.ReadOnlyLuns)
            Admin("--op", "update", "--mode", "logicalunit", "--tid", tid, "--lun", lun.ToString(CultureInfo.InvariantCulture), "--params", "readonly=1");
        foreach (var account in target.Options.IncomingAccounts)
        {
            EnsureAccount(account);
            Admin("--op", "bind", "--mode", "account", "--tid", tid, "--user", account.User);
        }
        if (target.Options.OutgoingAccount is { } outgoing)
        {
            EnsureAccount(outgoing);
            Admin("--op", "bind", "--mode", "account", "--tid", tid, "--user", outgoing.User, "--outgoing");
        }
        foreach (var (key, value) in target.Options.Parameters)
            Admin("--op", "update", "--mode", "target", "--tid", tid, "-n", key, "-v", value);
        if (target.Options.Redirect is { } redirect)
        {
            Admin("--op", "update", "--mode", "target", "--tid", tid, "-n", "RedirectAddress", "-v", redirect.Address);
            Admin("--op", "update", "--mode", "target", "--tid", tid, "-n", "RedirectPort", "-v", redirect.Port.ToString(CultureInfo.InvariantCulture));
            Admin("--op", "update", "--mode", "target", "--tid", tid, "-n", "RedirectReason", "-v", redirect.Reason);
        }
        Admin("--op", "bind", "--mode", "target", "--tid", tid, "-I", "ALL");
    }

    void EnsureAccount(ChapAccount account)
    {
        if (accounts.TryGetValue(account.User, out var secret))
        {
            if (secret != account.Secret)
                throw new ArgumentException($"CHAP user '{account.User}' already exists in this tgtd with another secret");
            return;
        }
        Admin("--op", "new", "--mode", "account", "--user", account.User, "--password", account.Secret);
        accounts[account.User] = account.Secret;
    }

    /// <summary>SIGKILL (tgtd ignores SIGTERM).</summary>
    public void Kill() => Process.Kill();

    /// <summary>
    /// Starts tgtd again on the same portal and control ports with the same targets and
    /// backing files, as after a crash. Kills the running one first if there is one.
    /// </summary>
    public void Restart()
    {
        Process.Kill();
        foreach (var stale in new[] { ControlSocket(ControlPort), ControlSocket(ControlPort) + ".lock" })
            File.Delete(stale);
        Process = Launch(run, System.Net.IPAddress.Parse(PortalAddress), PortalPort, ControlPort);
        accounts.Clear();
        foreach (var target in targets) Configure(target);
    }
}
