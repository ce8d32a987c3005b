namespace IscsiDhcp.Lab;

/// <summary>A background peer (tgtd, dnsmasq, kea-dhcp4) started by a lab run.</summary>
public sealed class LabProcess
{
    internal LabProcess(string name, ProcessIdentity identity, string logPath)
    {
        Name = name;
        Identity = identity;
        LogPath = logPath;
    }

    public string Name { get; }
    public ProcessIdentity Identity { get; }
    public int Pid => Identity.Pid;

    /// <summary>Everything the process wrote to stdout and stderr.</summary>
    public string LogPath { get; }

    public bool IsRunning => Identity.IsAlive;

    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <summary>SIGKILL, then wait until it is gone.</summary>
    public void Kill() => Identity.Kill();

    /// <summary>SIGSTOP: the peer stops answering (its socket still queues packets) until <see cref="Resume"/>.</summary>
    public void Suspend() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Suspend"/>.</summary>
    public void Resume() => Signal("CONT");

    void Signal(string name)
    {
        if (!IsRunning) throw new LabException($"{Name} is not running");
        CommandRunner.Check("kill", $"-{name}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Waits until <paramref name="ready"/> holds, failing early with the log when the
    /// process dies first.
    /// </summary>
    public void WaitUntil(Func<bool> ready, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!ready())
        {
            if (!IsRunning) throw new LabException($"{Name} exited before {what}:\n{ReadLog()}");
            if (DateTime.UtcNow > deadline) throw new LabException($"{Name} not {what} after {timeout.TotalSeconds} s:\n{ReadLog()}");
            Thread.Sleep(50);
        }
    }
}
