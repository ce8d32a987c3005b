using System.Diagnostics;

namespace IscsiDhcp.Lab;

/// <summary>Runs short-lived commands (ip, tgtadm, iscsi-ls, udhcpc) to completion.</summary>
public static class CommandRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static CommandResult Run(string program, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var args = arguments.ToList();
        var display = string.Join(' ', new[] { program }.Concat(args));
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) start.Environment[k] = v;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabException($"cannot run `{program}`: {e.Message} (tests/run.sh installs the peers and their tools)", e);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            throw new LabException($"`{display}` did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s; killed it");
        }
        process.WaitForExit();
        return new CommandResult(display, process.ExitCode, stdout.Result, stderr.Result);
    }

    public static CommandResult Run(string program, params string[] arguments) => Run(program, arguments, null);

    /// <summary>Runs a command and throws a <see cref="LabException"/> with its output when it fails.</summary>
    public static CommandResult Check(string program, params string[] arguments)
    {
        var result = Run(program, arguments, null);
        if (!result.Succeeded) throw new LabException(result.ToString());
        return result;
    }
}
