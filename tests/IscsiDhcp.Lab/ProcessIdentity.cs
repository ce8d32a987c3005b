namespace IscsiDhcp.Lab;

/// <summary>
/// A process named by its pid and its start time (field 22 of /proc/PID/stat), so
/// that a recycled pid is never mistaken for the process the lab started.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, long StartTime)
{
    public static ProcessIdentity Current => Of(Environment.ProcessId)
        ?? throw new LabException("cannot read /proc/self/stat");

    /// <summary>The identity of a live (non-zombie) process, or null when there is none.</summary>
    public static ProcessIdentity? Of(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // The command name in field 2 may hold spaces and parentheses: parse after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        if (fields[0] == "Z" || fields[0] == "X") return null;
        return new ProcessIdentity(pid, long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture));
    }

    public bool IsAlive => Of(Pid) == this;

    public override string ToString() => $"{Pid} {StartTime}";

    public static ProcessIdentity Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new FormatException($"'{text}' is not 'PID STARTTIME'");
        return new ProcessIdentity(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Sends SIGKILL and waits until the process is gone (or a zombie).</summary>
    public void Kill(TimeSpan? timeout = null)
    {
        if (!IsAlive) return;
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(Pid);
            p.Kill();
        }
        catch (ArgumentException) { return; }          // already gone
        catch (InvalidOperationException) { return; }  // exited meanwhile
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (IsAlive)
        {
            if (DateTime.UtcNow > deadline) throw new LabException($"process {Pid} survived SIGKILL");
            Thread.Sleep(20);
        }
    }
}
