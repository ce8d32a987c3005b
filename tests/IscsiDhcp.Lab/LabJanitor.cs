namespace IscsiDhcp.Lab;

/// <summary>
/// Removes what lab runs created: a run's own teardown, and the orphans of runs
/// whose owner died without cleaning up (SIGKILL, a crashed test host).
/// Each run keeps a journal, written before a resource is created, so that
/// teardown never depends on the memory of the process that made it.
/// </summary>
public static class LabJanitor
{
    /// <summary>Folder of all runs; each run has a sub-folder named by its id.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable("ISCSIDHCP_LAB_ROOT") is { Length: > 0 } root ? root : "/var/tmp/iscsidhcp-lab";

    internal const string OwnerFile = "owner";
    internal const string JournalFile = "journal";
    internal const string KeptOwner = "kept";

    /// <summary>Holds the lab-wide lock while runs are created, reaped or allocate subnets.</summary>
    public static IDisposable Lock()
    {
        Directory.CreateDirectory(Root);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(Root, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Ids of the runs in the lab folder.</summary>
    public static IReadOnlyList<string> RunIds() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Order().ToList()
            : [];

    /// <summary>Whether a run's owner is still alive, or the run was kept on purpose (lab.sh up).</summary>
    public static bool IsOwned(string runId)
    {
        var owner = Path.Combine(Root, runId, OwnerFile);
        if (!File.Exists(owner)) return false;
        var text = File.ReadAllText(owner).Trim();
        if (text == KeptOwner) return true;
        try { return ProcessIdentity.Parse(text).IsAlive; }
        catch (FormatException) { return false; }
    }

    /// <summary>Tears down every run whose owner is gone. Call with <see cref="Lock"/> held.</summary>
    public static IReadOnlyList<string> ReapOrphans()
    {
        var reaped = new List<string>();
        foreach (var id in RunIds())
        {
            if (IsOwned(id)) continue;
            TearDown(id);
            reaped.Add(id);
        }
        return reaped;
    }

    public static IReadOnlyList<LabResource> ReadJournal(string runId)
    {
        var path = Path.Combine(Root, runId, JournalFile);
        return File.Exists(path)
            ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(LabResource.Parse).ToList()
            : [];
    }

    /// <summary>
    /// Removes every resource of a run, newest first, then its folder. Every step is
    /// tried even when an earlier one fails; the failures are reported together.
    /// </summary>
    public static void TearDown(string runId)
    {
        var errors = new List<string>();
        foreach (var resource in ReadJournal(runId).Reverse())
        {
            try { Remove(resource); }
            catch (Exception e) when (e is LabException or IOException or UnauthorizedAccessException)
            {
                errors.Add($"{resource}: {e.Message}");
            }
        }
        try
        {
            var dir = Path.Combine(Root, runId);
            foreach (var mount in MountsUnder(dir)) CommandRunner.Check("umount", "-l", mount);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is LabException or IOException) { errors.Add($"run folder: {e.Message}"); }
        if (errors.Count > 0)
            throw new LabException($"lab run {runId} was not removed completely:\n  " + string.Join("\n  ", errors));
    }

    /// <summary>
    /// What is mounted inside a run folder (a test's FUSE or loop mount left by a killed run,
    /// whose dead FUSE server makes the folder unreadable), deepest first: it goes before the folder.
    /// </summary>
    static List<string> MountsUnder(string dir) =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " "))
            .Where(point => point.StartsWith(dir + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length)
            .ToList();

    static void Remove(LabResource resource)
    {
        switch (resource.Kind)
        {
            case LabResourceKind.Process:
                ProcessIdentity.Parse(resource.Value).Kill();
                break;
            case LabResourceKind.Netns:
                RemoveNetns(resource.Value);
                break;
            case LabResourceKind.Link:
                if (Network.LinkExists(resource.Value))
                    CommandRunner.Check("ip", "link", "del", resource.Value);
                break;
            case LabResourceKind.File:
                File.Delete(resource.Value);
                break;
            case LabResourceKind.Subnet:
                break;
        }
    }

    static void RemoveNetns(string name)
    {
        if (!Network.NetnsExists(name)) return;
        // A server left inside would keep the namespace alive after `ip netns del`.
        var pids = CommandRunner.Run("ip", "netns", "pids", name).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var pid in pids)
            if (ProcessIdentity.Of(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)) is { } p) p.Kill();
        CommandRunner.Check("ip", "netns", "del", name);
    }
}
