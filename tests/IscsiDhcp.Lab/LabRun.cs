using System.Diagnostics;
using System.Security.Cryptography;

namespace IscsiDhcp.Lab;

/// <summary>
/// One lab run: a folder under <see cref="LabJanitor.Root"/> named by a random id,
/// an owner (this process, or "kept" for <c>lab.sh up</c>), and a journal of every
/// resource created for it. Disposing the run removes them all. Creating a run
/// first reaps the runs whose owners died, so a killed test run never breaks
/// the next one.
/// </summary>
public sealed class LabRun : IDisposable
{
    int nameCounter;
    bool disposed;
    readonly object journalLock = new();

    LabRun(string id) { Id = id; }

    /// <summary>Six hex digits, unique among live runs; part of every name the run gives out.</summary>
    public string Id { get; }

    public string Directory => Path.Combine(LabJanitor.Root, Id);

    public static LabRun Create(bool kept = false)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            throw new LabException("the lab needs root on Linux (network namespaces, veth pairs, UDP port 67/68)");
        using (LabJanitor.Lock())
        {
            LabJanitor.ReapOrphans();
            string id;
            do id = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
            while (System.IO.Directory.Exists(Path.Combine(LabJanitor.Root, id)));
            var run = new LabRun(id);
            System.IO.Directory.CreateDirectory(run.Directory);
            File.WriteAllText(Path.Combine(run.Directory, LabJanitor.OwnerFile),
                kept ? LabJanitor.KeptOwner : ProcessIdentity.Current.ToString());
            return run;
        }
    }

    /// <summary>
    /// Hands the run over so that it outlives this process: to another live process
    /// (reaped once that one is gone), or to nobody (kept until <c>lab.sh down</c>).
    /// </summary>
    public void HandOver(ProcessIdentity? owner)
    {
        // Written aside and renamed: a janitor of another run reads the file without our lock,
        // and a half-written owner would make this run look orphaned.
        var path = Path.Combine(Directory, LabJanitor.OwnerFile);
        File.WriteAllText(path + ".new", owner?.ToString() ?? LabJanitor.KeptOwner);
        File.Move(path + ".new", path, overwrite: true);
    }

    /// <summary>A name unique to this run, short enough to become a network interface name (15 bytes) with one more letter.</summary>
    public string NewName(string prefix)
    {
        var n = Interlocked.Increment(ref nameCounter);
        var name = $"{prefix}{Id}{n}";
        if (name.Length > 14) throw new ArgumentException($"name '{name}' is longer than an interface name may be", nameof(prefix));
        return name;
    }

    /// <summary>Writes a resource to the journal; call before creating it, so a crash in between still cleans up.</summary>
    public void Record(LabResourceKind kind, string value)
    {
        lock (journalLock)
            File.AppendAllText(Path.Combine(Directory, LabJanitor.JournalFile), $"{kind} {value}\n");
    }

    public IReadOnlyList<LabResource> Resources => LabJanitor.ReadJournal(Id);

    /// <summary>A free /24 in 198.18.0.0/15 (RFC 2544's benchmarking range), e.g. "198.18.7".</summary>
    public string ReserveSubnet()
    {
        using (LabJanitor.Lock())
        {
            var taken = Network.RootNamespacePrefixes();
            foreach (var run in LabJanitor.RunIds())
                foreach (var r in LabJanitor.ReadJournal(run))
                    if (r.Kind == LabResourceKind.Subnet) taken.Add(r.Value);
            for (var attempt = 0; attempt < 2048; attempt++)
            {
                var k = RandomNumberGenerator.GetInt32(512);
                var prefix = $"198.{18 + k / 256}.{k % 256}";
                if (taken.Contains(prefix)) continue;
                Record(LabResourceKind.Subnet, prefix);
                return prefix;
            }
        }
        throw new LabException("no free /24 left in 198.18.0.0/15 for a test network");
    }

    /// <summary>
    /// Starts a long-running program with its output appended to a log file in the
    /// run's folder, optionally inside a network namespace.
    /// </summary>
    public LabProcess StartProcess(string name, string program, IEnumerable<string> arguments,
        string? netns = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var log = Path.Combine(Directory, $"{name}.log");
        // sh redirects and then execs, so the pid we get is the program's own.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in new[] { "-c", "exec \"$@\" >>\"$LAB_LOG\" 2>&1 </dev/null", "sh" }) start.ArgumentList.Add(a);
        if (netns is not null)
            foreach (var a in new[] { "ip", "netns", "exec", netns }) start.ArgumentList.Add(a);
        start.ArgumentList.Add(program);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["LAB_LOG"] = log;
        if (environment is not null)
            foreach (var (k, v) in environment) start.Environment[k] = v;

        using var process = Process.Start(start) ?? throw new LabException($"cannot start {program}");
        var identity = ProcessIdentity.Of(process.Id);
        if (identity is null)
        {
            throw new LabException($"{program} exited at once: {ReadLog(log)}");
        }
        Record(LabResourceKind.Process, $"{identity.Value} {name}");
        return new LabProcess(name, identity.Value, log);
    }

    static string ReadLog(string path) => File.Exists(path) ? File.ReadAllText(path) : "(no log)";

    /// <summary>Removes everything the run created.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        LabJanitor.TearDown(Id);
    }
}
