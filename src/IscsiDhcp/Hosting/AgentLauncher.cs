using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Runtime.InteropServices;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Starts the agent on demand the way dhcpagent's clients do: a detached process (its own
    /// session, so the terminal's hang-up does not reach it) running this very PowerShell and
    /// this module in the foreground with an idle timeout. Its output goes to a log beside its
    /// socket; nothing of it stays attached to the shell that started it.
    /// </summary>
    internal static class AgentLauncher
    {
        /// <summary>An agent started on demand leaves after this long with nothing to manage.</summary>
        public const int IdleTimeoutSec = 300;

        /// <summary>How long the .NET thread pool's idle workers spin before they sleep (read when the runtime starts).</summary>
        public const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

        public static int Start(string socketPath)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                throw new PlatformNotSupportedException("on Windows the agent runs as the IscsiDhcpAgent service (about_IscsiDhcp); start it with Start-Service");
            var manifest = Path.Combine(Path.GetDirectoryName(typeof(AgentLauncher).Assembly.Location)!, "IscsiDhcp.psd1");
            var command = $"Import-Module '{manifest.Replace("'", "''")}'; Start-IscsiDhcpAgent -Foreground -IdleTimeoutSec {IdleTimeoutSec} -Verbose";
            // sh replaces itself with setsid, which replaces itself with PowerShell: the pid is the agent's.
            var arguments = new[] { "-c", "exec setsid \"$@\" </dev/null >>\"$0\" 2>&1", socketPath + ".log" }
                .Concat(PowerShellCommandLine()).Concat(new[] { "-NoProfile", "-NonInteractive", "-Command", command });
            var start = new ProcessStartInfo("/bin/sh", string.Join(" ", arguments.Select(Quote))) { UseShellExecute = false };
            // As the systemd unit does: the thread pool's idle workers sleep at once instead of
            // spinning (sched_yield), a third of the agent's CPU while it served NBD reads.
            start.Environment[SpinLimitVariable] = "0";
            Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start PowerShell for the agent");
            return process.Id;
        }

        /// <summary>One argument as .NET splits a command line: quoted, with quotes and the backslashes before them escaped.</summary>
        static string Quote(string argument)
        {
            var quoted = new StringBuilder("\"");
            var backslashes = 0;
            foreach (var c in argument)
            {
                if (c == '\\') { backslashes++; continue; }
                quoted.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
                backslashes = 0;
            }
            return quoted.Append('\\', backslashes * 2).Append('"').ToString();
        }

        /// <summary>This PowerShell: its executable, or the .NET host and pwsh.dll when it runs as a .NET tool.</summary>
        static string[] PowerShellCommandLine()
        {
            var host = Process.GetCurrentProcess().MainModule?.FileName ?? "pwsh";
            var name = Path.GetFileNameWithoutExtension(host);
            if (string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase))
                return new[] { host, Path.Combine(AppContext.BaseDirectory, "pwsh.dll") };
            return new[] { host };
        }
    }
}
