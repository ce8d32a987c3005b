using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace IscsiDhcp.Common
{
    /// <summary>
    /// Runs one of the host's tools (ip, nbd-client) to its end and collects what it said.
    /// netstandard2.0 takes one command line, so arguments with spaces or quotes are quoted.
    /// </summary>
    static class HostTool
    {
        static readonly char[] NeedQuotes = { ' ', '"', '\'' };

        public static (int ExitCode, string Output, string Error) Run(string program, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(program, string.Join(" ", arguments.Select(Quote)))
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start) ?? throw new IOException($"cannot run {program}");
            // Both pipes at once: a tool that fills one while we wait on the other would hang.
            var errorRead = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            var error = errorRead.GetAwaiter().GetResult();
            process.WaitForExit();
            return (process.ExitCode, output, error);
        }

        static string Quote(string argument) => argument.IndexOfAny(NeedQuotes) < 0 ? argument : "\"" + argument.Replace("\"", "\\\"") + "\"";
    }
}
